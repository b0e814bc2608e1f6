"""A real local MediaWiki to rehearse batches on, and the wiki the test suite uploads to.

Debian's ``mediawiki`` package (1.39) is installed once per machine; each sandbox is a folder with its
own SQLite database, uploaded files and settings, selected through ``MW_CONFIG_FILE`` and served by PHP's
built-in web server on 127.0.0.1. Nothing here can reach Wikimedia Commons.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from glamupload.errors import SandboxError
from glamupload.resources import user_data_dir

MEDIAWIKI_DIR = Path("/usr/share/mediawiki")
DEFAULT_PORT = 8089
DIR_VARIABLE = "GLAMUPLOAD_SANDBOX_DIR"
"""The environment variable that chooses the sandbox folder for every command (``--dir``/``--sandbox-dir``
override it)."""
APT_PACKAGES = (
    "mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml "
    "imagemagick librsvg2-bin ghostscript poppler-utils djvulibre-bin"
)
INSTALL_HINT = f"install them with: sudo apt-get install -y --no-install-recommends {APT_PACKAGES}"
#: The programs MediaWiki scales images with (decision 0009), by Debian package; absolute paths, as the
#: settings name them.
SCALERS = {
    "/usr/bin/convert": "imagemagick",
    "/usr/bin/rsvg-convert": "librsvg2-bin",
    "/usr/bin/gs": "ghostscript",
    "/usr/bin/pdfinfo": "poppler-utils",
    "/usr/bin/pdftotext": "poppler-utils",
    "/usr/bin/ddjvu": "djvulibre-bin",
    "/usr/bin/djvudump": "djvulibre-bin",
    "/usr/bin/djvutxt": "djvulibre-bin",
}
ADMIN_USER = "Admin"
UPLOADER_USER = "Uploader"
BOT_NAME = "glamupload"
#: Extensions the sandbox loads: the ones Commons behaviour depends on in tests, and PdfHandler for PDF
#: pages and thumbnails.
EXTENSIONS = ("ParserFunctions", "TitleBlacklist", "AbuseFilter", "PdfHandler")
DISCARD_JOBS_VARIABLE = "GLAMUPLOAD_DISCARD_JOBS"
SETTINGS_FILE = "glamupload-settings.php"
SETTINGS_MARKER = "<?php\n# Written by glamupload at every `sandbox start`"
#: PHP's own request limits, raised so that large chunks and files pass (the wiki's limit is 2 GiB).
PHP_LIMITS = {
    "upload_max_filesize": "2100M",
    "post_max_size": "2100M",
    "memory_limit": "1024M",
    "max_execution_time": "600",
    "apc.enable_cli": "0",
}
SERVER_WORKERS = 4
STARTUP_TIMEOUT = 30.0

SETTINGS_TEMPLATE = """<?php
# Written by glamupload at every `sandbox start`; edit LocalSettings.local.php instead.
$wgServer = "http://127.0.0.1:{port}";
$wgScriptPath = "";
$wgSitename = "glamupload sandbox";
$wgMainCacheType = CACHE_DB;
$wgSessionCacheType = CACHE_DB;
# No parser cache: a page is shown as it renders now. Pages glamupload writes within the same second
# (an Institution page and its category) would otherwise keep showing each other as red links, because
# MediaWiki's cache compares times to the second; a rehearsal must show what is really there.
$wgParserCacheType = CACHE_NONE;
$wgMessageCacheType = CACHE_DB;
$wgCacheDirectory = "{dir}/cache";
$wgTmpDirectory = "{dir}/tmp";
$wgEnableUploads = true;
$wgUploadDirectory = "{dir}/images";
# Files are served through img_auth.php: the built-in server's document root is the MediaWiki code.
$wgUploadPath = "$wgScriptPath/img_auth.php";
$wgFileExtensions = ["jpg", "jpeg", "png", "gif", "tif", "tiff", "webp", "svg", "pdf", "djvu", "ogg", "webm"];
$wgMaxUploadSize = 2 * 1024 * 1024 * 1024;
$wgUploadSizeWarning = 0;
$wgEnableBotPasswords = true;
$wgUseInstantCommons = false;
$wgShowExceptionDetails = true;
$wgGenerateThumbnailOnParse = false;
# Thumbnails are made on request by thumb.php (pages render fast; a thumbnail is scaled when it is first
# shown), with ImageMagick, rsvg for SVG, Ghostscript for PDF and DjVuLibre for DjVu (decision 0009).
$wgThumbnailScriptPath = "$wgScriptPath/thumb.php";
$wgUseImageMagick = true;
$wgImageMagickConvertCommand = "/usr/bin/convert";
$wgSVGConverter = "rsvg";
$wgSVGConverterPath = "/usr/bin";
$wgTiffThumbnailType = ["jpg", "image/jpeg"];
$wgDjvuDump = "/usr/bin/djvudump";
$wgDjvuRenderer = "/usr/bin/ddjvu";
$wgDjvuTxt = "/usr/bin/djvutxt";
$wgDjvuPostProcessor = "/usr/bin/convert ppm:- jpg:-";
$wgDjvuOutputExtension = "jpg";
$wgPdfProcessor = "/usr/bin/gs";
$wgPdfPostProcessor = "/usr/bin/convert";
$wgPdfInfo = "/usr/bin/pdfinfo";
$wgPdftoText = "/usr/bin/pdftotext";
# Scans and photographs of 100 megapixels get thumbnails too (MediaWiki's default stops at 12.5).
$wgMaxImageArea = 1e8;
$wgMaxShellMemory = 4 * 1024 * 1024;
$wgMaxShellFileSize = 2 * 1024 * 1024;
$wgExtraNamespaces[100] = "Creator";
$wgExtraNamespaces[101] = "Creator_talk";
$wgExtraNamespaces[106] = "Institution";
$wgExtraNamespaces[107] = "Institution_talk";
$wgNamespacesWithSubpages[106] = true;
# As on Wikimedia wikis: a leading ß stays ß in titles (MediaWiki's default makes it SS).
$wgOverrideUcfirstCharacters["ß"] = "ß";
{extensions}
$wgGroupPermissions["sysop"]["abusefilter-modify"] = true;
$wgGroupPermissions["sysop"]["abusefilter-log-detail"] = true;
$wgGroupPermissions["sysop"]["abusefilter-view"] = true;
$wgGroupPermissions["sysop"]["abusefilter-log"] = true;
# A maintenance run on a wiki just created queues jobs for pages that do not exist yet: drop them.
if ( getenv( "GLAMUPLOAD_DISCARD_JOBS" ) ) {{
    $wgJobTypeConf["default"] = [ "class" => "JobQueueMemory", "order" => "fifo" ];
}}
# The sandbox-only extension behind glamupload's stand-ins for Commons' templates (glamupload.standins).
if ( is_readable( "{dir}/glamupload-standins.php" ) ) {{
    require "{dir}/glamupload-standins.php";
}}
# Tests and users add rate limits, filters and the like here.
if ( is_readable( "{dir}/LocalSettings.local.php" ) ) {{
    require "{dir}/LocalSettings.local.php";
}}
"""


@dataclass
class SandboxInfo:
    """Where a sandbox lives and how to log in to it (``password`` is the uploader's bot password)."""

    dir: str
    port: int
    api: str
    url: str
    username: str
    password: str
    running: bool
    files: int | None = None

    def public(self) -> dict[str, object]:
        """The info without the password, for status output and logs."""
        data = asdict(self)
        data.pop("password")
        return data


def default_dir() -> Path:
    """The sandbox folder when no ``--dir``/``--sandbox-dir`` is given: ``$GLAMUPLOAD_SANDBOX_DIR``, else the
    per-user data directory (``$XDG_DATA_HOME/glamupload/sandbox``)."""
    chosen = os.environ.get(DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return user_data_dir() / "sandbox"


def check_prerequisites() -> None:
    """Fail with the exact packages to install when PHP or MediaWiki is missing."""
    missing = []
    if shutil.which("php") is None:
        missing.append("PHP (php-cli)")
    if not (MEDIAWIKI_DIR / "maintenance" / "install.php").is_file():
        missing.append(f"MediaWiki 1.39 (Debian package mediawiki, expected in {MEDIAWIKI_DIR})")
    if not missing:
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.lower()
        for module, package in (
            ("pdo_sqlite", "php-sqlite3"),
            ("intl", "php-intl"),
            ("mbstring", "php-mbstring"),
            ("dom", "php-xml"),
        ):
            if module not in modules.split():
                missing.append(f"PHP module {module} ({package})")
    scalers = sorted({package for path, package in SCALERS.items() if not Path(path).is_file()})
    if scalers:
        missing.append("the image scalers of Debian's " + ", ".join(scalers))
    if missing:
        raise SandboxError(
            "the sandbox wiki needs " + ", ".join(missing) + " which are not installed",
            hint=INSTALL_HINT,
        )


def _state_file(directory: Path) -> Path:
    return directory / "sandbox.json"


def _json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object file the sandbox wrote; None when it is damaged (cut off by a full disk, not UTF-8,
    or not an object). FileNotFoundError when it is not there."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _read_state(directory: Path) -> dict[str, Any]:
    path = _state_file(directory)
    try:
        found = _json_object(path)
    except FileNotFoundError:
        return {}
    if found is None:
        raise SandboxError(
            "the sandbox's state file is damaged",
            file=path,
            hint="delete it, stop a `php -S` server still running from this folder, and start again",
        )
    return found


def _state_number(state: dict[str, Any], key: str) -> int | None:
    """``pid`` or ``port`` from the state file as read (None when absent or not a number one can be:
    ``true``, 0 or -1 would make ``stop`` signal this process's group, or every process)."""
    value = state.get(key)
    return value if type(value) is int and 1 < value < 2**31 else None


def _write_private(path: Path, text: str) -> None:
    """Write a file readable only by its owner (it holds passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def maintenance_script(directory: Path, script: str, *args: str, discard_jobs: bool = False) -> str:
    """Run a MediaWiki maintenance script against this sandbox's settings (its stdout).

    ``discard_jobs``: the follow-up jobs the script queues (cache purges, link updates of the pages that
    use what it wrote) are dropped when it ends: for a wiki just created, where nothing uses anything yet.
    """
    env = dict(os.environ, MW_CONFIG_FILE=str(directory / "LocalSettings.php"))
    if discard_jobs:
        env[DISCARD_JOBS_VARIABLE] = "1"
    proc = subprocess.run(
        ["php", str(MEDIAWIKI_DIR / "maintenance" / script), *args],
        cwd=MEDIAWIKI_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise SandboxError(f"MediaWiki's {script} failed: " + " / ".join(tail), file=directory)
    return proc.stdout


def _write_settings(directory: Path, port: int) -> None:
    extensions = "\n".join(f'wfLoadExtension( "{name}" );' for name in EXTENSIONS)
    (directory / SETTINGS_FILE).write_text(
        SETTINGS_TEMPLATE.format(port=port, dir=directory, extensions=extensions)
    )


def _install(directory: Path, port: int) -> None:
    """Create the wiki: database, settings, administrator and uploader accounts."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    for sub in ("data", "images", "cache", "tmp"):
        (directory / sub).mkdir(exist_ok=True)
    # Hex passwords: a urlsafe one can start with '-', which the maintenance scripts read as an option.
    admin_password = secrets.token_hex(16)
    maintenance_script(
        directory,
        "install.php",
        "--dbtype",
        "sqlite",
        "--dbpath",
        str(directory / "data"),
        "--dbname",
        "wiki",
        "--server",
        f"http://127.0.0.1:{port}",
        "--scriptpath",
        "",
        "--pass",
        admin_password,
        "--confpath",
        str(directory),
        "glamupload sandbox",
        ADMIN_USER,
    )
    local = directory / "LocalSettings.php"
    local.write_text(local.read_text() + f'\nrequire __DIR__ . "/{SETTINGS_FILE}";\n')
    os.chmod(local, 0o600)
    _write_settings(directory, port)
    maintenance_script(directory, "update.php", "--quick")  # tables of the extensions loaded above
    uploader_password = secrets.token_hex(16)  # bot passwords must be 32 characters or more
    maintenance_script(directory, "createAndPromote.php", UPLOADER_USER, secrets.token_hex(16))
    bot_password = maintenance_script(
        directory,
        "createBotPassword.php",
        "--appid",
        BOT_NAME,
        "--grants",
        "basic,highvolume,uploadfile,uploadeditmovefile,createeditmovepage,editpage",
        UPLOADER_USER,
        uploader_password,
    )
    if "success" not in bot_password.lower():
        raise SandboxError("could not create the uploader's bot password: " + bot_password.strip())
    _write_private(
        directory / "credentials.json",
        json.dumps(
            {
                "instance": secrets.token_hex(8),  # tells a reset sandbox from the one an upload state knew
                "admin": {"username": ADMIN_USER, "password": admin_password},
                "uploader": {"username": f"{UPLOADER_USER}@{BOT_NAME}", "password": uploader_password},
            },
            indent=2,
        ),
    )


def credentials(directory: Path, account: str = "uploader") -> tuple[str, str]:
    """The (username, password) of the sandbox's uploader or admin account."""
    entry = _credentials_file(directory).get(account)
    if not isinstance(entry, dict) or not all(
        isinstance(entry.get(k), str) for k in ("username", "password")
    ):
        raise _damaged_credentials(directory)
    return entry["username"], entry["password"]


def instance_id(directory: Path) -> str:
    """An id that changes when the sandbox is created anew (``reset``), so upload states notice."""
    data = _credentials_file(directory)
    return str(data.get("instance") or (directory / "data" / "wiki.sqlite").stat().st_ctime_ns)


def _credentials_file(directory: Path) -> dict[str, Any]:
    try:
        data = _json_object(directory / "credentials.json")
    except FileNotFoundError as exc:
        raise SandboxError("no sandbox here; run `glamupload sandbox start` first", file=directory) from exc
    if data is None:
        raise _damaged_credentials(directory)
    return data


def _damaged_credentials(directory: Path) -> SandboxError:
    return SandboxError(
        "the sandbox's credentials file is damaged",
        file=directory / "credentials.json",
        hint="`glamupload sandbox reset` makes the sandbox anew (its accounts and pages too)",
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) child still answers kill(0); ask /proc.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for tests and parallel sandboxes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api(port: int) -> str:
    return f"http://127.0.0.1:{port}/api.php"


def _file_count(port: int) -> int | None:
    try:
        reply = requests.get(
            _api(port),
            params={"action": "query", "meta": "siteinfo", "siprop": "statistics", "format": "json"},
            timeout=10,
        ).json()
        return int(reply["query"]["statistics"]["images"])
    except (requests.RequestException, ValueError, KeyError):
        return None


def _running_pid(directory: Path) -> int | None:
    """The pid of this folder's server, when it runs: the process the state file names must be the PHP
    server on the state's port (after a reboot the pid may be another program's, which ``stop`` would
    kill)."""
    state = _read_state(directory)
    pid, port = _state_number(state, "pid"), _state_number(state, "port")
    if pid is None or port is None or not _pid_alive(pid):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    ours = Path(os.fsdecode(argv[0])).name.startswith("php") and f"127.0.0.1:{port}".encode() in argv
    return pid if ours else None


def _info(directory: Path, port: int, running: bool, with_files: bool = False) -> SandboxInfo:
    username, password = credentials(directory)
    return SandboxInfo(
        dir=str(directory),
        port=port,
        api=_api(port),
        url=f"http://127.0.0.1:{port}/index.php",
        username=username,
        password=password,
        running=running,
        files=_file_count(port) if (with_files and running) else None,
    )


def start(directory: Path | None = None, port: int | None = None) -> SandboxInfo:
    """Create the sandbox on first use and start it; a running sandbox keeps running where it runs (the
    ``port`` of the returned info says where, whatever ``port`` asked for).

    Either way the stand-ins for Commons' templates are brought up to date first (glamupload.standins):
    only the pages that changed since the last start are written.
    """
    from glamupload import standins  # not at the top: standins itself imports this module

    directory = (directory or default_dir()).resolve()
    check_prerequisites()
    known_port = _state_number(_read_state(directory), "port")
    if _running_pid(directory) is not None and known_port is not None:
        standins.install(directory)
        return _info(directory, known_port, running=True)
    port = port or known_port or DEFAULT_PORT
    if not _port_free(port):
        raise SandboxError(
            f"port {port} on 127.0.0.1 is already in use by another program",
            hint="choose another port with --port, e.g. --port 8090",
        )
    created = not (directory / "credentials.json").is_file()
    if created:
        if directory.exists() and any(directory.iterdir()):
            raise SandboxError(
                "the folder is not empty and holds no sandbox; choose another --dir", file=directory
            )
        try:
            _install(directory, port)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # a half-made wiki would block the next start
            raise
    _write_settings(directory, port)
    standins.install(directory, fresh=created)
    env = dict(
        os.environ,
        MW_CONFIG_FILE=str(directory / "LocalSettings.php"),
        PHP_CLI_SERVER_WORKERS=str(SERVER_WORKERS),
    )
    limits = [arg for key, value in PHP_LIMITS.items() for arg in ("-d", f"{key}={value}")]
    log = open(directory / "server.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        ["php", *limits, "-S", f"127.0.0.1:{port}", "-t", str(MEDIAWIKI_DIR)],
        cwd=MEDIAWIKI_DIR,
        env=env,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    _write_private(_state_file(directory), json.dumps({"pid": proc.pid, "port": port}))
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SandboxError(
                f"the PHP server exited at start (code {proc.returncode}); see {directory / 'server.log'}"
            )
        if _file_count(port) is not None:
            return _info(directory, port, running=True)
        time.sleep(0.1)
    stop(directory)
    raise SandboxError(
        f"the sandbox did not answer within {STARTUP_TIMEOUT:.0f} s; see server.log", file=directory
    )


def stop(directory: Path | None = None) -> bool:
    """Stop the sandbox's server; returns whether one was running."""
    directory = (directory or default_dir()).resolve()
    pid = _running_pid(directory)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True


def status(directory: Path | None = None) -> SandboxInfo | None:
    """The sandbox's state (None when there is no sandbox in the folder)."""
    directory = (directory or default_dir()).resolve()
    if not (directory / "credentials.json").is_file():
        return None
    port = _state_number(_read_state(directory), "port") or DEFAULT_PORT
    return _info(directory, port, running=_running_pid(directory) is not None, with_files=True)


def reset(directory: Path | None = None, port: int | None = None) -> SandboxInfo:
    """Wipe the sandbox (database, files, accounts) and create it anew."""
    directory = (directory or default_dir()).resolve()
    previous_port = _state_number(_read_state(directory), "port")
    stop(directory)
    if directory.exists():
        if not (directory / "credentials.json").is_file() and any(directory.iterdir()):
            raise SandboxError("refusing to wipe a folder that holds no sandbox", file=directory)
        shutil.rmtree(directory)
    return start(directory, port or previous_port)
