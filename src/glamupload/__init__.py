"""glamupload: publish GLAM collections on Wikimedia Commons."""

__version__ = "0.1.0"

#: The project's home page: in the User-Agent of every request and on the tool category's page.
PROJECT_URL = "https://github.com/glamupload/glamupload"
