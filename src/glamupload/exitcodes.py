"""Exit codes, documented in one place (README "Exit codes") so scripts can rely on them."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  #: everything done / no record has an error
    RECORD_ERRORS = 1  #: the batch finished, but some records failed or have errors
    USAGE = 2  #: bad command line, batch config, crosswalk or export: nothing was done
    AUTH = 3  #: login to the wiki failed or credentials are missing
    WIKI_UNAVAILABLE = 4  #: the wiki (or the sandbox) cannot be reached or started, or is not a MediaWiki
    WIKI_REFUSED = 5  #: the wiki was reached but refused a request the command needs (its code is shown)
    #: a local file cannot be read or written (disk full, read-only folder, permissions) or the upload
    #: state is damaged; what was written before stays consistent
    LOCAL_FILES = 6
    #: the upload state is in use by another glamupload process (pid and start shown) or locked by another
    #: program; nothing was done, the same command works once it is free
    STATE_IN_USE = 7
    #: an unexpected error (a bug): the message says where the full traceback was written
    INTERNAL = 70
    INTERRUPTED = 130  #: stopped by Ctrl-C; state is consistent, the same command resumes
    #: the program reading the output closed it early (``| head``): no message, as a shell tool killed by
    #: SIGPIPE (128 + 13); what was done is kept
    OUTPUT_CLOSED = 141
