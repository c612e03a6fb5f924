"""A pair of connected pseudo-terminals for the mbot-hil PTY stand-in, made
with Python 3's standard library only (no socat needed).

    python3 pty-relay.py HOST_LINK SIM_LINK [CLEANUP_DIR]

Opens two PTYs, puts both in raw mode, points the symlinks HOST_LINK and
SIM_LINK at their slave devices and copies bytes between the two masters.
Like `socat -d -d pty,raw,echo=0,link=... pty,raw,echo=0,link=...`, it
prints `PTY is /dev/pts/N` on stderr for the host end, then the sim end.

The host end behaves like a USB-serial board's port: this relay does not
keep it open, so it sees a host open and close it. It prints `open` and
`close` lines on stdout for them (what a DTR line would tell a board): from
inotify on the slave device where the C library offers it (every open
counts, however quickly a close and the next open follow each other), else
from the hang-up the master reads while no one has the slave open. Bytes
for the host are dropped while no host has the port open, as a board's
transmit line does. The sim end is kept open here, so the simulator may
open and close it freely.

A line `speed ID` on its stdin asks for the rate the host set on its end;
the answer is `speed ID RATE` on stdout (0 when unknown), read on the
relay's side of the PTY, so asking opens nothing (`stty -F` would, and that
open would count as a host's).

It ends when its stdin reaches end-of-file (the process that started it
closed the pipe or died, even by SIGKILL) or on SIGTERM, SIGINT or SIGHUP;
then it removes the two links (if they still point at its PTYs) and
CLEANUP_DIR if that is given and empty. Exit status 0 then; 2 for bad
arguments; 1 when the PTYs cannot be made.
"""

import ctypes
import ctypes.util
import errno
import os
import select
import signal
import struct
import sys
import termios
import time
import tty

CHUNK = 4096
# Bytes held per direction before reading from the other side pauses (backpressure, as socat does).
HELD_LIMIT = 64 * 1024
# How often a closed host end is checked for an open, seconds.
OPEN_POLL_S = 0.01
# How long open/close events and the master's hang-up may disagree before the count is set right
# by the hang-up (see count_opens), and how often the hang-up is looked at meanwhile, seconds.
SETTLE_S = 0.05
SETTLE_POLL_S = 0.001
# Longest partial request line held from stdin, bytes.
REQUEST_LIMIT = 64


class Stop(Exception):
    """Raised by the signal handlers to leave the relay loop."""


def on_signal(_signum, _frame):
    raise Stop()


def point_link(link, target):
    """Points `link` at `target`, replacing whatever was there in one step."""
    tmp = "%s.%d.tmp" % (link, os.getpid())
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


def remove_link(link, target):
    try:
        if os.readlink(link) == target:
            os.unlink(link)
    except OSError:
        pass


def say(line):
    """One event line on stdout; a parent that stopped reading is not an error here."""
    try:
        os.write(1, (line + "\n").encode("ascii"))
    except OSError:
        pass


IN_OPEN = 0x20
IN_CLOSE = 0x08 | 0x10  # IN_CLOSE_WRITE | IN_CLOSE_NOWRITE


def watch_opens(path):
    """An inotify descriptor reporting opens and closes of `path`, or None where inotify is not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, path.encode(), IN_OPEN | IN_CLOSE) < 0:
            os.close(fd)
            return None
        return fd
    except (OSError, AttributeError):
        return None


def read_watch(fd):
    """The open/close events waiting on the inotify descriptor, in order: True for an open."""
    try:
        data = os.read(fd, 4096)
    except BlockingIOError:
        return []
    events = []
    off = 0
    while off + 16 <= len(data):
        _wd, mask, _cookie, length = struct.unpack_from("iIII", data, off)
        off += 16 + length
        if mask & IN_OPEN:
            events.append(True)
        if mask & IN_CLOSE:
            events.append(False)
    return events


def write_some(fd, buf):
    """Writes what the fd takes now from `buf` and drops it from `buf`."""
    try:
        n = os.write(fd, bytes(buf[:CHUNK]))
    except BlockingIOError:
        return
    del buf[:n]


# termios speed constants to baud rates, for the ones this Python knows.
SPEEDS = {getattr(termios, "B%d" % n): n for n in (
    50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
    230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000,
    3500000, 4000000) if hasattr(termios, "B%d" % n)}


def host_speed(host_m):
    """The rate set on the host end, read on the master (Linux gives the
    slave's settings there), so the device is not opened a second time, which
    would count as a host's open. Before any host set one it is the new PTY's
    default, 38400 on Linux (as `stty -F` reads it). 0 when unknown (a rate
    set through termios2)."""
    try:
        return SPEEDS.get(termios.tcgetattr(host_m)[5], 0)
    except termios.error:
        return 0


def slave_open(hup):
    """True while any handle has the host end open (the master reads no hang-up)."""
    return not any(ev & (select.POLLHUP | select.POLLERR) for _, ev in hup.poll(0))


def count_opens(watch, opens, hup):
    """Reads the open/close events waiting on `watch`, says "open" for the
    first open and "close" for the last close, and returns the new count of
    open handles.

    DTR is asserted while any handle is open and drops on the last close:
    only the first open and the last close reset the board, so a second
    opener (`stty -F` reading the line speed) resets nothing.

    inotify merges an event with an identical one not yet read, so two opens
    (or two closes) read together count as one. The master's hang-up tells
    whether any handle is open now, but it and the events disagree for a
    moment even when nothing was merged: a close's event is queued before the
    hang-up shows, an open's just after the open shows. So when the count and
    the hang-up disagree, the events that follow are read for up to
    SETTLE_S; only a disagreement that lasts that long is a merge, and the
    count is set right by the hang-up. A close and a quick reopen thus stay
    two notices (the reopen's event arrives while settling).
    """
    lines = []

    def take(events):
        nonlocal opens
        for opened in events:
            before = opens
            opens = opens + 1 if opened else max(0, opens - 1)
            if opened and before == 0:
                lines.append("open")
            elif not opened and before > 0 and opens == 0:
                lines.append("close")

    take(read_watch(watch))
    deadline = time.monotonic() + SETTLE_S
    now = slave_open(hup)
    while (opens > 0) != now:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([watch], [], [], min(left, SETTLE_POLL_S))
        if ready:
            take(read_watch(watch))
        now = slave_open(hup)
    # Still disagreeing after SETTLE_S: events were merged. The fix is judged on the same poll as the
    # loop's last check (a second poll could see a reopen whose event has not come yet).
    if now and opens == 0 and lines and lines[-1] == "close":
        # A merged open: the close that took the count to 0 was not the last one.
        opens = 1
        lines.pop()
    elif not now and opens > 0:
        # A merged close (a close's event is queued before the hang-up shows, so none is still to come).
        opens = 0
        lines.append("close")
    for line in lines:
        say(line)
    return opens


def relay(host_m, sim_m, watch):
    hup = select.poll()
    hup.register(host_m, select.POLLIN)
    host_open = False
    opens = 0
    to_host = bytearray()
    to_sim = bytearray()
    requests = b""
    while True:
        if not host_open:
            if slave_open(hup):
                host_open = True
                if watch is None:
                    say("open")
            elif watch is not None and opens > 0:
                # Nobody has the port open, yet the count says somebody does (a close not heard).
                opens = count_opens(watch, opens, hup)
        readers = [0]
        if watch is not None:
            readers.append(watch)
        if len(to_host) < HELD_LIMIT:
            readers.append(sim_m)
        if host_open and len(to_sim) < HELD_LIMIT:
            readers.append(host_m)
        writers = []
        if to_sim:
            writers.append(sim_m)
        if host_open and to_host:
            writers.append(host_m)
        ready_r, ready_w, _ = select.select(readers, writers, [], None if host_open else OPEN_POLL_S)
        if 0 in ready_r:
            data = os.read(0, CHUNK)
            if not data:
                return
            requests += data
            while b"\n" in requests:
                line, _, requests = requests.partition(b"\n")
                words = line.split()
                if len(words) == 2 and words[0] == b"speed" and words[1].isdigit() and len(words[1]) <= 15:
                    say("speed %d %d" % (int(words[1]), host_speed(host_m)))
            if len(requests) > REQUEST_LIMIT:
                # No request is this long: drop the partial line rather than hold it.
                requests = b""
        if watch is not None and watch in ready_r:
            opens = count_opens(watch, opens, hup)
        if sim_m in ready_r:
            try:
                data = os.read(sim_m, CHUNK)
            except BlockingIOError:
                data = b""
            if host_open:
                to_host += data
        host_gone = False
        if host_m in ready_r:
            try:
                data = os.read(host_m, CHUNK)
                if data:
                    to_sim += data
                else:
                    host_gone = True
            except BlockingIOError:
                pass
            except OSError as err:
                if err.errno != errno.EIO:
                    raise
                host_gone = True
        if sim_m in ready_w:
            write_some(sim_m, to_sim)
        if host_m in ready_w and not host_gone:
            try:
                write_some(host_m, to_host)
            except OSError as err:
                if err.errno != errno.EIO:
                    raise
                host_gone = True
        if host_gone:
            host_open = False
            to_host.clear()
            if watch is None:
                say("close")
            else:
                # Closes merged into one event leave the count above 0 with nobody there.
                opens = count_opens(watch, opens, hup)


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: pty-relay.py HOST_LINK SIM_LINK [CLEANUP_DIR]\n")
        return 2
    host_link, sim_link = argv[1], argv[2]
    cleanup_dir = argv[3] if len(argv) == 4 else None
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    host_name = sim_name = None
    try:
        try:
            host_m, host_s = os.openpty()
            sim_m, sim_s = os.openpty()
            for fd in (host_s, sim_s):
                tty.setraw(fd)
            host_name, sim_name = os.ttyname(host_s), os.ttyname(sim_s)
            # Not kept open: the host's open and close show on the master (see the module comment).
            os.close(host_s)
            for fd in (host_m, sim_m):
                os.set_blocking(fd, False)
            # Watched before the link exists: a host that finds the link has its open seen.
            watch = watch_opens(host_name)
            point_link(host_link, host_name)
            point_link(sim_link, sim_name)
        except OSError as err:
            sys.stderr.write("pty-relay: cannot make the PTY pair: %s\n" % err)
            return 1
        sys.stderr.write("PTY is %s\nPTY is %s\n" % (host_name, sim_name))
        sys.stderr.flush()
        relay(host_m, sim_m, watch)
    except Stop:
        pass
    finally:
        if host_name is not None:
            remove_link(host_link, host_name)
        if sim_name is not None:
            remove_link(sim_link, sim_name)
        if cleanup_dir is not None:
            try:
                os.rmdir(cleanup_dir)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
