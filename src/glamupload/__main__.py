"""Allow ``python -m glamupload``."""

from glamupload.launch import main

main()
