"""Data folder: crosswalks, license table and lookup tables (shipped as package data)."""
