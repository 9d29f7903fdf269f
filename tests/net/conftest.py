"""pytest fixtures for the ds46 network tests (STYLE 14).

Run as root from the repository root, with Debian's python (python3-scapy):

    DS46_BUILD=build /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net
    DS46_BUILD=build-asan /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net

Topology   namespaces "ds46-<pid>-<name>", veth pairs, addresses without DAD;
           removed (with every process it started, killed by PID) in fixture
           teardown and again at exit.
Daemon     any ds46 daemon (ds46-dstmd, ds46-tepd, ds46-hostd) in a namespace
           with a generated configuration; waits for "ready:", keeps stderr,
           stops with SIGTERM (SIGKILL after a timeout) and fails the test on
           sanitizer reports.  Fixtures: dstmd (the server, factory) and
           daemon (any binary, factory); both require a clean exit 0 after
           the SIGTERM at teardown.
Capture    dumpcap on an interface of a namespace, packets read with scapy.
ctl        ds46ctl --json in a namespace, parsed.
dhcp6c     tests/net/dhcp6c.py in a namespace, its last JSON line parsed.
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DHCP6C = HERE / "dhcp6c.py"
PYTHON = "/usr/bin/python3"          # Debian's, with python3-scapy
BUILD_NAME = os.environ.get("DS46_BUILD", "build")
BUILD = Path(BUILD_NAME) if os.path.isabs(BUILD_NAME) else REPO / BUILD_NAME
DSTMD = BUILD / "ds46-dstmd"
TEPD = BUILD / "ds46-tepd"
HOSTD = BUILD / "ds46-hostd"
DS46CTL = BUILD / "ds46ctl"
IS_ASAN = "asan" in Path(BUILD_NAME).name
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "ThreadSanitizer")

_LIVE = []          # topologies not yet cleaned up (atexit)


def _sh(*cmd, check=True, timeout=30, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(map(str, cmd)), r.returncode,
                                                 r.stdout, r.stderr))
    return r


def sanitizer_env():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def sanitizer_report(text):
    """The first sanitizer line of text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line
    return None


# ---- topology -----------------------------------------------------------------

class Topology:
    """Network namespaces named ds46-<pid>-<name>, and what runs in them."""

    def __init__(self):
        self.prefix = "ds46-%d-" % os.getpid()
        self.namespaces = []
        self.procs = []
        _LIVE.append(self)

    def ns(self, name):
        ns = self.prefix + name
        if os.path.exists("/run/netns/" + ns):       # left over by a crashed run of this pid
            _sh("ip", "netns", "del", ns, check=False)
        _sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        # No duplicate address detection: addresses are usable at once.
        for key in ("all", "default"):
            self.sysctl(ns, "net.ipv6.conf.%s.accept_dad" % key, 0)
            self.sysctl(ns, "net.ipv6.conf.%s.disable_ipv6" % key, 0)
        _sh("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def sysctl(self, ns, key, value):
        _sh("ip", "netns", "exec", ns, "sysctl", "-qw", "%s=%s" % (key, value))

    def veth(self, ns_a, if_a, ns_b, if_b):
        _sh("ip", "-n", ns_a, "link", "add", if_a, "type", "veth", "peer", "name", if_b,
            "netns", ns_b)
        for ns, ifn in ((ns_a, if_a), (ns_b, if_b)):
            self.sysctl(ns, "net.ipv6.conf.%s.accept_dad" % ifn, 0)
            _sh("ip", "-n", ns, "link", "set", ifn, "up")

    def addr(self, ns, ifname, cidr):
        _sh("ip", "-n", ns, "addr", "add", cidr, "dev", ifname, "nodad")

    def route(self, ns, *args):
        _sh("ip", "-n", ns, "-6", "route", "add", *args)

    def wait_ready(self, ns, ifname, timeout=5.0):
        """Until the interface has a link-local address that is not tentative."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = _sh("ip", "-n", ns, "-6", "-j", "addr", "show", "dev", ifname, check=False)
            try:
                infos = json.loads(r.stdout or "[]")
            except ValueError:
                infos = []
            for i in infos:
                for a in i.get("addr_info", []):
                    if a.get("local", "").startswith("fe80") and not a.get("tentative"):
                        return a["local"]
            time.sleep(0.05)
        raise RuntimeError("%s/%s: no usable link-local address" % (ns, ifname))

    def link_local(self, ns, ifname):
        return self.wait_ready(ns, ifname)

    def run(self, ns, *cmd, check=True, timeout=60, env=None):
        return _sh("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout, env=env)

    def popen(self, ns, *cmd, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + [str(c) for c in cmd], **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        for ns in self.namespaces:
            # Anything still inside a namespace of ours was started by us.
            r = _sh("ip", "netns", "pids", ns, check=False)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            _sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []
        if self in _LIVE:
            _LIVE.remove(self)


@atexit.register
def _cleanup_all():
    for t in list(_LIVE):
        t.cleanup()


# ---- configuration ---------------------------------------------------------------

def libconfig(v, ind=0):
    pad = "  " * ind
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        body = "".join("%s  %s = %s;\n" % (pad, k, libconfig(x, ind + 1)) for k, x in v.items())
        return "{\n%s%s}" % (body, pad)
    if isinstance(v, (list, tuple)):
        if v and isinstance(v[0], dict):
            return "(\n%s\n%s)" % (",\n".join(pad + "  " + libconfig(x, ind + 1) for x in v), pad)
        return "[ %s ]" % ", ".join(libconfig(x, ind) for x in v)
    raise TypeError(type(v))


def lan_link(**kw):
    """Link "lan" of examples/dstmd.conf: clients on s0."""
    link = {
        "name": "lan", "interface": "s0", "prefixes": ["2001:db8:46::/64"],
        "tep": "2001:db8:46::ffff",
        "t1": 1800, "t2": 2880, "preferred-lifetime": 3600, "valid-lifetime": 7200,
        "ipv4-pools": [{"name": "dstm", "ranges": ["192.0.2.100-192.0.2.199"],
                        "exclude": ["192.0.2.150"]}],
        "ipv6-pools": [{"name": "na", "range": "2001:db8:46::1000-2001:db8:46::1fff"}],
    }
    link.update(kw)
    return link


def relayed_link(**kw):
    """Link "relayed" of examples/dstmd.conf: behind relays whose
    link-address is in 2001:db8:47::/64."""
    link = {
        "name": "relayed", "prefixes": ["2001:db8:47::/64"], "tep": "2001:db8:47::ffff",
        "ipv4-pools": [{"name": "dstm", "ranges": ["198.51.100.0/26"]}],
    }
    link.update(kw)
    return link


def dstmd_config(workdir, links=None, **server):
    s = {
        "interfaces": ["s0"],
        "store": str(Path(workdir) / "dstmd.db"),
        "store-sync": "full",
        "control-socket": str(Path(workdir) / "dstmd.sock"),
        "ipv4-option-code": 65046,
        "preference": 255,
        "rapid-commit": True,
        "reconfigure": True,
        "decline-time": 86400,
        "reclaim-interval": 10,
        "port": 547,
        "log-level": "debug",
    }
    s.update({k.replace("_", "-"): v for k, v in server.items()})
    links = links if links is not None else [lan_link(), relayed_link()]
    return "server = %s;\nlinks = %s;\n" % (libconfig(s), libconfig(links))


def tepd_config(workdir, **tep):
    """ds46-tepd (examples/tepd.conf) following dstmd_config's store, with
    its control socket at WORKDIR/tepd.sock."""
    t = {
        "tun": "tep0",
        "address": "2001:db8:46::ffff",
        "ipv4-address": "203.0.113.1",
        "routes": ["192.0.2.0/24"],
        "store": str(Path(workdir) / "dstmd.db"),
        "follow-interval-ms": 100,
        "learn": False,
        "mss-clamp": 0,
        "tunnel-mtu": 1460,
        "control-socket": str(Path(workdir) / "tepd.sock"),
        "log-level": "debug",
    }
    t.update({k.replace("_", "-"): v for k, v in tep.items()})
    return "tep = %s;\n" % libconfig(t)


def hostd_config(workdir, name="hostd", **host):
    """ds46-hostd (src/dstm/host_config.h) on uplink x0, on demand, default
    route into dti0; lease file and control socket WORKDIR/NAME.*."""
    h = {
        "uplink": "x0",
        "dti": "dti0",
        "mode": "on-demand",
        "routes": ["0.0.0.0/0"],
        "lease-file": str(Path(workdir) / (name + ".lease")),
        "control-socket": str(Path(workdir) / (name + ".sock")),
        "log-level": "debug",
    }
    h.update({k.replace("_", "-"): v for k, v in host.items()})
    return "host = %s;\n" % libconfig(h)


# ---- capture -----------------------------------------------------------------------

class Capture:
    """dumpcap (tshark's capture engine) on one interface of a namespace,
    into a pcap file; stop() returns the packets (scapy)."""

    def __init__(self, topo, ns, ifname, path, bpf=None):
        self.topo, self.ns, self.ifname, self.path = topo, ns, ifname, str(path)
        self.bpf = bpf
        self.proc = None

    def start(self, timeout=10.0):
        cmd = ["dumpcap", "-i", self.ifname, "-P", "-q", "-w", self.path]
        if self.bpf:
            cmd += ["-f", self.bpf]
        self.proc = self.topo.popen(self.ns, *cmd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True, errors="replace")
        deadline = time.monotonic() + timeout
        err = []
        while time.monotonic() < deadline:       # "Capturing on ...", "File: ..."
            line = self.proc.stderr.readline()
            if not line:
                break
            err.append(line)
            if line.startswith("File:"):
                return self
        self.proc.kill()
        raise AssertionError("dumpcap on %s/%s did not start:\n%s" %
                             (self.ns, self.ifname, "".join(err)))

    def stop(self, settle=0.3):
        """Stop (SIGTERM by PID, after settle seconds) and read the file."""
        from scapy.all import rdpcap      # every layer registered: Ether, IPv6, DHCPv6 ...
        time.sleep(settle)
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.communicate(timeout=5)
        return list(rdpcap(self.path))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


# ---- daemon ------------------------------------------------------------------------

class Daemon:
    """A ds46 daemon (binary, default ds46-dstmd) in a namespace.  Its
    configuration is written to WORKDIR/NAME.conf (NAME: the binary without
    "ds46-", or name=); its control socket is expected at sock (default
    WORKDIR/NAME.sock, which the configuration must name)."""

    def __init__(self, topo, ns, workdir, conf_text, wrapper=(), binary=DSTMD, name=None,
                 sock=None):
        self.topo, self.ns, self.workdir = topo, ns, Path(workdir)
        self.binary = Path(binary)
        self.label = self.binary.name              # for messages: "ds46-tepd"
        self.name = name or self.label.replace("ds46-", "")
        self.conf = self.workdir / (self.name + ".conf")
        self.conf.write_text(conf_text)
        self.sock = str(sock or self.workdir / (self.name + ".sock"))
        self.wrapper = list(wrapper)
        self.proc = None
        self.lines = []
        self.all_stderr = []          # every run's stderr, for the checks
        self.returncodes = []
        self._reader = None

    def start(self, timeout=10.0, args=()):
        assert self.proc is None or self.proc.poll() is not None
        self.lines = []
        ready = threading.Event()
        self.proc = self.topo.popen(self.ns, *self.wrapper, self.binary, "-c", self.conf, *args,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, errors="replace",
                                    env=sanitizer_env())

        def read(p=self.proc, lines=self.lines):
            for line in p.stderr:
                lines.append(line)
                if "ready:" in line:
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if time.monotonic() > deadline:
                break
        if not any("ready:" in line for line in self.lines):
            rc = self.stop(signal.SIGKILL, check=False)
            raise AssertionError("%s not ready within %ss (exit %s):\n%s" %
                                 (self.label, timeout, rc, self.stderr()))
        return self

    @property
    def pid(self):
        return self.proc.pid if self.running() else None

    def send_signal(self, sig):
        """Send sig (SIGSTOP, SIGCONT, SIGHUP ...) to the daemon, by PID."""
        os.kill(self.proc.pid, sig)

    def wait_log(self, text, timeout=10.0, since=0):
        """Until a line of this run's stderr (from line since on) contains
        text; the line, or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines[since:]:
                if text in line:
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def stderr(self):
        return "".join(self.lines)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15.0, check=True):
        """Signal the daemon (by PID), wait, SIGKILL after timeout; returns
        the exit status.  check: fail on sanitizer reports."""
        if self.proc is None:
            return None
        p = self.proc
        if p.poll() is None:
            os.kill(p.pid, sig)
            if sig != signal.SIGKILL:
                try:                   # a stopped daemon (SIGSTOP) must see it
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        if self._reader:
            self._reader.join(timeout=5)
        self.returncodes.append(p.returncode)
        self.all_stderr.append(self.stderr())
        self.proc = None
        if check:
            self.check_sanitizers()
        return p.returncode

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def check_sanitizers(self):
        for text in self.all_stderr + [self.stderr()]:
            hit = sanitizer_report(text)
            if hit:
                raise AssertionError("sanitizer report from %s: %s\n%s" % (self.label, hit, text))

    def ctl(self, *args, check=True):
        return ctl(self.ns, *args, sock=self.sock, check=check)

    def ctl_text(self, *args):
        r = self.topo.run(self.ns, DS46CTL, "-s", self.sock, *args, env=sanitizer_env())
        assert sanitizer_report(r.stderr) is None, r.stderr
        return r.stdout

    def stats(self):
        return self.ctl("stats")["stats"]

    def leases(self):
        return self.ctl("leases")["leases"]

    def pools(self):
        return self.ctl("pools")["pools"]


def ctl(ns, *args, sock, check=True):
    """ds46ctl --json ARGS in namespace ns; the parsed answer."""
    r = _sh("ip", "netns", "exec", ns, DS46CTL, "-s", sock, "--json", *args, check=False,
            env=sanitizer_env())
    assert sanitizer_report(r.stderr) is None, r.stderr
    if check and r.returncode != 0:
        raise AssertionError("ds46ctl %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
    try:
        out = json.loads(r.stdout) if r.stdout.strip() else {}
    except ValueError:
        raise AssertionError("ds46ctl %s: not JSON: %r" % (" ".join(args), r.stdout))
    out["_exit"] = r.returncode
    return out


# ---- the client ---------------------------------------------------------------------

def dhcp6c(ns, cmd, *args, timeout=60, check=True):
    """Run dhcp6c.py CMD in ns; the parsed last JSON line."""
    r = _sh("ip", "netns", "exec", ns, PYTHON, DHCP6C, cmd, *args, check=False,
            timeout=timeout)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise AssertionError("dhcp6c %s: no output (exit %d)\n%s" % (cmd, r.returncode, r.stderr))
    res = json.loads(lines[-1])
    res["_events"] = [json.loads(ln) for ln in lines[:-1]]
    if check and not res.get("ok"):
        raise AssertionError("dhcp6c %s failed: %s\n%s" % (cmd, res.get("error"),
                                                          json.dumps(res, indent=1)))
    return res


def dhcp6c_popen(topo, ns, cmd, *args):
    return topo.popen(ns, PYTHON, DHCP6C, cmd, *args, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)


# ---- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def _preconditions():
    if os.geteuid() != 0:
        pytest.skip("network tests need root (network namespaces)")
    for f in (DSTMD, DS46CTL):          # the tunnel tests check TEPD/HOSTD themselves
        if not os.access(f, os.X_OK):
            pytest.fail("%s is missing: build it first (make / make asan)" % f)
    yield
    _cleanup_all()


@pytest.fixture
def topo():
    t = Topology()
    try:
        yield t
    finally:
        t.cleanup()


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="ds46-net-")
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


def build_dstm_net(topo):
    """The standard topology (see the drawing in test_dstm_server.py)."""
    cli = topo.ns("cli")
    srv = topo.ns("srv")
    rly = topo.ns("rly")
    topo.veth(cli, "c0", srv, "s0")
    topo.veth(rly, "r0", srv, "s1")
    topo.addr(srv, "s0", "2001:db8:46::1/64")
    topo.addr(cli, "c0", "2001:db8:46::2/64")
    topo.addr(srv, "s1", "2001:db8:48::1/64")
    topo.addr(rly, "r0", "2001:db8:48::2/64")
    cli_ll = topo.wait_ready(cli, "c0")
    srv_ll = topo.wait_ready(srv, "s0")
    topo.wait_ready(srv, "s1")
    topo.wait_ready(rly, "r0")
    return SimpleNamespace(cli=cli, srv=srv, rly=rly, cli_ll=cli_ll, srv_ll=srv_ll,
                           srv_addr="2001:db8:46::1", srv_relay_addr="2001:db8:48::1",
                           rly_addr="2001:db8:48::2")


@pytest.fixture
def net(topo):
    return build_dstm_net(topo)


def stop_daemons(made):
    """Teardown of the daemon fixtures: SIGTERM every daemon (in reverse
    order of creation), which must exit 0; no sanitizer report in any run's
    stderr.  pytest.fail with every problem."""
    errors = []
    for d in reversed(made):
        was_running = d.running()
        try:
            rc = d.stop(check=False)
            if was_running and rc != 0:
                errors.append("%s exited %s after SIGTERM:\n%s" % (d.label, rc, d.stderr()))
            d.check_sanitizers()
        except AssertionError as e:
            errors.append(str(e))
        # shown by pytest only when the test failed
        print("---- %s stderr (%s) ----\n%s" % (d.label, d.conf,
                                                "".join(d.all_stderr)[-20000:]))
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture
def dstmd(topo, net, workdir):
    """Factory: dstmd(links=..., wrapper=..., **server settings) -> a started
    Daemon in the server namespace.  Stopped with SIGTERM at teardown, which
    must exit 0 without sanitizer reports."""
    made = []

    def make(links=None, wrapper=(), start=True, **server):
        d = Daemon(topo, net.srv, workdir, dstmd_config(workdir, links, **server),
                   wrapper=wrapper)
        made.append(d)
        return d.start() if start else d

    yield make
    stop_daemons(made)


@pytest.fixture
def daemon(topo, workdir):
    """Factory: daemon(binary, ns, conf_text, name=None, start=True,
    wrapper=()) -> a Daemon (started unless start=False) of any ds46 binary.
    Every one is stopped with SIGTERM at teardown, which must exit 0
    without sanitizer reports (whatever the test did to it before:
    SIGSTOP, kill -9 and a restart ...)."""
    made = []

    def make(binary, ns, conf_text, name=None, start=True, wrapper=(), timeout=10.0):
        if not os.access(binary, os.X_OK):
            pytest.fail("%s is missing: build it first (make / make asan)" % binary)
        d = Daemon(topo, ns, workdir, conf_text, wrapper=wrapper, binary=binary, name=name)
        made.append(d)
        return d.start(timeout=timeout) if start else d

    yield make
    stop_daemons(made)
