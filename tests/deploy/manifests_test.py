#!/usr/bin/python3
"""Checks deploy/ (systemd unit, container image, compose file, Kubernetes
manifests) against the clinicd binary and the sources they deploy.

Usage: /usr/bin/python3 manifests_test.py CLINICD_BINARY REPO_ROOT [unittest args]

No container engine or cluster runs here, so the manifests are parsed and
checked, and what can run does: clinicd parses every command line written in
deploy/ (--only_check_args), serves with the ConfigMap's rules, and
systemd-analyze verifies and scores the unit. Needs Debian's python3-yaml
(hence /usr/bin/python3), apt-cache, dpkg and systemd-analyze; a missing tool
is a failure, not a skip.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import yaml

CLINICD = ""
ROOT = ""

# The exposure score `systemd-analyze security` gives the unit (0 best, 10
# worst). It was 1.1 when written; the threshold catches a dropped setting.
MAX_EXPOSURE = 1.5

# The unit's sandbox as deploy/README.md promises it (key -> exact value).
REQUIRED_UNIT_SETTINGS = {
    "Type": "notify", "Restart": "on-failure", "DynamicUser": "yes",
    "StateDirectory": "clinicd", "UMask": "0077",
    "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "SystemCallArchitectures": "native", "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes", "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes", "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes", "ProtectClock": "yes",
    "ProtectHostname": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "EnvironmentFile": "-/etc/clinicd/clinicd.env",
}

# Shared libraries of sanitizer builds: this test may run in such a build
# tree, whose binary links them; a release image never does.
SANITIZER_PACKAGES = re.compile(r"^lib(asan|ubsan|lsan|tsan)\d*$|^libclang-rt")


# ---------------------------------------------------------------- helpers

def path(*parts):
    return os.path.join(ROOT, *parts)


def read(*parts):
    with open(path(*parts), encoding="utf-8") as f:
        return f.read()


def yaml_docs(*parts):
    with open(path(*parts), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          **kwargs)


def flag_name(token):
    """'--tls-cert=x' -> 'tls_cert' (clinicd treats dashes as underscores)."""
    return token[2:].split("=", 1)[0].replace("-", "_")


def flags_of(argv):
    """{name: value or None} of the --flags in argv."""
    out = {}
    for tok in argv:
        if tok.startswith("--") and len(tok) > 2:
            out[flag_name(tok)] = tok.split("=", 1)[1] if "=" in tok else None
    return out


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def seconds(text):
    """'20s', '1m30s', '500ms' or a bare number of seconds -> float."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h)", text)
    if not parts or "".join(a + b for a, b in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * units[u] for n, u in parts)


def is_loopback(host):
    return host in ("localhost", "[::1]") or host.startswith("127.")


def accepted_flags():
    """The flags `clinicd --helpfull` lists (Abseil's '    --name (help')."""
    res = run([CLINICD, "--helpfull"])
    names = set(re.findall(r"^\s+--([A-Za-z0-9_]+) \(", res.stdout + res.stderr,
                           re.M))
    if "listen" not in names:
        raise AssertionError(f"cannot read clinicd's flags from --helpfull:\n"
                             f"{res.stdout}{res.stderr}")
    return names


def env_read_by_clinicd():
    """Variables clinicd's own sources read with getenv("NAME")."""
    names = set()
    for folder, _, files in os.walk(path("services", "clinicd")):
        for name in files:
            if name.endswith((".cc", ".h")):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    names |= set(re.findall(
                        r'getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)', f.read()))
    return names


# ----------------------------------------------------------------- systemd

def parse_unit(text):
    """{section: [(key, value)]}, continuation lines joined."""
    sections, current, pending = {}, None, ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def unit_service():
    return parse_unit(read("deploy", "systemd", "clinicd.service"))["Service"]


def unit_exec_start():
    [cmd] = [v for k, v in unit_service() if k == "ExecStart"]
    return shlex.split(cmd)


# -------------------------------------------------------------- Dockerfile

def dockerfile_stages():
    """[[(INSTRUCTION, rest)]] per stage, comments dropped, lines joined."""
    stages, pending = [], ""
    for raw in read("deploy", "container", "Dockerfile").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), rest.strip()))
    return stages


def runtime_stage():
    return dockerfile_stages()[-1]


def exec_form(rest):
    return json.loads(rest) if rest.startswith("[") else shlex.split(rest)


def image_argv():
    """ENTRYPOINT (without the program) + CMD of the runtime stage."""
    entry, cmd = [], []
    for word, rest in runtime_stage():
        if word == "ENTRYPOINT":
            entry = exec_form(rest)
        elif word == "CMD":
            cmd = exec_form(rest)
    return entry[1:] + cmd


def runtime_apt_packages():
    packages = []
    for word, rest in runtime_stage():
        if word != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            tokens = shlex.split(command)
            if "apt-get" in tokens and "install" in tokens:
                after = tokens[tokens.index("install") + 1:]
                packages += [t for t in after if not t.startswith("-")]
    return packages


# --------------------------------------------------------- compose and k8s

def compose():
    [doc] = yaml_docs("deploy", "container", "compose.yaml")
    return doc


def is_clinicd_service(svc):
    dockerfile = (svc.get("build") or {}).get("dockerfile", "")
    return (str(svc.get("image", "")).startswith("clinicd")
            or dockerfile.endswith("deploy/container/Dockerfile"))


def compose_argv(svc):
    command = svc.get("command")
    if command is None:
        return image_argv()
    return shlex.split(command) if isinstance(command, str) else list(command)


def compose_env(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env


def k8s_objects():
    """(file name, object) of every Kubernetes object in deploy/kubernetes."""
    out = []
    folder = path("deploy", "kubernetes")
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")):
            for doc in yaml_docs("deploy", "kubernetes", name):
                if (isinstance(doc, dict) and "apiVersion" in doc
                        and doc.get("kind") != "Kustomization"):
                    out.append((name, doc))
    return out


def k8s_kind(kind):
    return [doc for _, doc in k8s_objects() if doc["kind"] == kind]


def pod_template(doc):
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]


def clinicd_containers():
    """(workload, pod spec, container) for every container running clinicd."""
    out = []
    for _, doc in k8s_objects():
        if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job",
                           "CronJob"):
            spec = pod_template(doc)["spec"]
            for c in spec.get("containers", []):
                if re.search(r"(^|/)clinicd(:|@|$)", c.get("image", "")):
                    out.append((doc, spec, c))
    return out


def the_deployment():
    [found] = [x for x in clinicd_containers() if x[0]["kind"] == "Deployment"]
    return found


def stop_time(flags):
    """How long clinicd may take to stop: the drain, then the grace."""
    return (seconds(flags.get("shutdown_drain") or 0)
            + seconds(flags.get("shutdown_grace") or "10s"))


def all_invocations():
    """(where, argv) of every clinicd command line written in deploy/."""
    out = [("systemd ExecStart", unit_exec_start()[1:]),
           ("Dockerfile ENTRYPOINT+CMD", image_argv())]
    for name, svc in compose()["services"].items():
        if is_clinicd_service(svc):
            out.append((f"compose service {name}", compose_argv(svc)))
    for doc, _, c in clinicd_containers():
        out.append((f"{doc['kind']} {doc['metadata']['name']} container "
                    f"{c['name']}", c.get("command", [])[1:] + c.get("args", [])))
    return out


def all_env():
    """(where, variable) of every variable deploy/ sets for clinicd."""
    out = []
    for key, value in unit_service():
        if key == "Environment":
            out += [("systemd Environment=", a.split("=", 1)[0])
                    for a in shlex.split(value)]
    example = read("deploy", "systemd", "clinicd.env.example")
    out += [("clinicd.env.example", m)
            for m in re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M)]
    for word, rest in runtime_stage():
        if word == "ENV":
            out += [("Dockerfile ENV", a.split("=", 1)[0])
                    for a in shlex.split(rest) if "=" in a]
    for name, svc in compose()["services"].items():
        if is_clinicd_service(svc):
            out += [(f"compose service {name}", k) for k in compose_env(svc)]
    secrets = {d["metadata"]["name"]: d for d in k8s_kind("Secret")}
    maps = {d["metadata"]["name"]: d for d in k8s_kind("ConfigMap")}
    for doc, _, c in clinicd_containers():
        where = f"{doc['kind']} {doc['metadata']['name']}"
        out += [(where, e["name"]) for e in c.get("env", [])]
        for src in c.get("envFrom", []):  # every key of the referenced object
            ref = src.get("secretRef") or src.get("configMapRef")
            obj = (secrets if "secretRef" in src else maps).get(ref["name"], {})
            keys = list(obj.get("data", {})) + list(obj.get("stringData", {}))
            out += [(where + " envFrom", src.get("prefix", "") + k) for k in keys]
    return out


# ------------------------------------------------------------------ tests

class DeployTest(unittest.TestCase):
    maxDiff = None

    # ---- everything

    def test_every_yaml_file_parses(self):
        found = 0
        for folder, _, files in os.walk(path("deploy")):
            for name in files:
                if name.endswith((".yaml", ".yml")):
                    found += 1
                    p = os.path.join(folder, name)
                    with self.subTest(file=p), open(p, encoding="utf-8") as f:
                        try:
                            docs = list(yaml.safe_load_all(f))
                        except yaml.YAMLError as e:
                            self.fail(f"{p} is not valid YAML: {e}")
                        self.assertTrue(any(d is not None for d in docs),
                                        f"{p} holds no document")
        self.assertGreaterEqual(found, 8, "deploy/ holds too few YAML files")

    def test_every_flag_is_one_clinicd_accepts(self):
        accepted = accepted_flags()
        for where, argv in all_invocations():
            unknown = sorted(set(flags_of(argv)) - accepted)
            self.assertEqual(unknown, [], f"{where} passes flags that "
                             f"`clinicd --helpfull` does not list: {unknown}")

    def test_every_command_line_passes_clinicds_flag_parser(self):
        # --only_check_args is Abseil's: parse (names and values), then exit.
        with tempfile.TemporaryDirectory() as cwd:
            for where, argv in all_invocations():
                res = run([CLINICD, "--only_check_args", *argv], cwd=cwd)
                self.assertEqual(res.returncode, 0,
                                 f"clinicd rejects the flags of {where} "
                                 f"{argv}:\n{res.stderr}")

    def test_every_environment_variable_is_one_clinicd_reads(self):
        read_by_clinicd = env_read_by_clinicd()
        self.assertIn("CLINIC_ADMIN_TOKEN", read_by_clinicd,
                      "no getenv(\"...\") found under services/clinicd/")
        for where, name in all_env():
            self.assertIn(name, read_by_clinicd,
                          f"{where} sets {name}, which clinicd never reads "
                          f"(services/clinicd/ reads {sorted(read_by_clinicd)})")

    def test_non_loopback_listen_is_tls_or_explicitly_plaintext(self):
        for where, argv in all_invocations():
            flags = flags_of(argv)
            if "listen" not in flags:
                continue
            host = flags["listen"].rsplit(":", 1)[0]
            if is_loopback(host):
                continue
            tls = "tls_cert" in flags and "tls_key" in flags
            self.assertTrue(tls or "insecure_listen_any" in flags,
                            f"{where} listens on {host} in plaintext without "
                            f"--insecure_listen_any: clinicd would refuse")

    # ---- systemd

    def test_unit_has_the_hardening_settings(self):
        settings = {}
        for key, value in unit_service():
            settings.setdefault(key, []).append(value)
        for key, want in REQUIRED_UNIT_SETTINGS.items():
            self.assertIn(want, settings.get(key, []),
                          f"clinicd.service: expected {key}={want}, has "
                          f"{settings.get(key)}")
        filters = " ".join(settings.get("SystemCallFilter", []))
        for group in ("@system-service", "~@privileged @resources"):
            self.assertIn(group, filters, "SystemCallFilter misses " + group)
        argv = unit_exec_start()
        self.assertEqual(argv[0], "/usr/bin/clinicd")
        flags = flags_of(argv[1:])
        self.assertTrue(flags.get("admin_token_file", "").startswith(
            "/var/lib/clinicd/"), "the token file must be in StateDirectory")
        self.assertGreater(seconds(settings["TimeoutStopSec"][0]),
                           stop_time(flags), "TimeoutStopSec must exceed "
                           "--shutdown_drain + --shutdown_grace, or systemd "
                           "kills the drain")

    def unit_for_this_machine(self, folder):
        """The unit with ExecStart on the built binary: verify checks that
        the program exists. DynamicUser= needs no account, so nothing else
        changes."""
        text = read("deploy", "systemd", "clinicd.service")
        text, n = re.subn(r"^ExecStart=/usr/bin/clinicd\b",
                          "ExecStart=" + CLINICD, text, flags=re.M)
        self.assertEqual(n, 1, "ExecStart=/usr/bin/clinicd not found")
        unit = os.path.join(folder, "clinicd.service")
        with open(unit, "w", encoding="utf-8") as f:
            f.write(text)
        return unit

    def systemd_analyze(self, *args):
        """systemd-analyze ARGS... on the unit pointed at the built clinicd."""
        self.assertTrue(shutil.which("systemd-analyze"),
                        "systemd-analyze is missing (package systemd)")
        with tempfile.TemporaryDirectory() as folder:
            unit = self.unit_for_this_machine(folder)
            return run(["systemd-analyze", *args, unit], cwd=folder)

    def test_systemd_analyze_verify(self):
        res = self.systemd_analyze("verify", "--man=no")
        # verify exits 0 even for unknown keys or bad values, which it
        # only prints: any line about the unit is a failure.
        complaints = [l for l in res.stderr.splitlines() if "clinicd" in l]
        self.assertEqual((res.returncode, complaints), (0, []),
                         f"systemd-analyze verify:\n{res.stdout}{res.stderr}")

    def test_systemd_security_exposure(self):
        res = self.systemd_analyze("security", "--offline=yes")
        m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)",
                      res.stdout)
        self.assertIsNotNone(m, f"no score in:\n{res.stdout}{res.stderr}")
        score = float(m.group(1))
        print(f"\nsystemd-analyze security: exposure {score} "
              f"(threshold {MAX_EXPOSURE})", file=sys.stderr)
        self.assertLess(score, MAX_EXPOSURE,
                        f"exposure {score}; what counts:\n{res.stdout}")

    # ---- Dockerfile

    def test_image_stages(self):
        stages = dockerfile_stages()
        self.assertEqual(len(stages), 2, "a build stage and a runtime stage")
        self.assertRegex(stages[0][0][1], r"^debian:12\b.* AS build$")
        self.assertEqual(stages[1][0][1], "debian:12-slim")

    def test_image_copies_exactly_the_two_binaries_it_builds(self):
        copies = [shlex.split(rest) for word, rest in runtime_stage()
                  if word in ("COPY", "ADD")]
        self.assertEqual(len(copies), 1, f"one COPY expected: {copies}")
        args = [a for a in copies[0] if not a.startswith("--")]
        self.assertIn("--from=build", copies[0])
        sources, dest = args[:-1], args[-1]
        self.assertEqual(sorted(os.path.basename(s) for s in sources),
                         ["clinicctl", "clinicd"], f"copied: {sources}")
        for s in sources:
            self.assertTrue(os.path.dirname(s).endswith("build/bin"), s)
        self.assertEqual(dest.rstrip("/"), "/usr/local/bin")
        # Each is a CMake executable, and the build stage builds it.
        targets = set()
        for folder, dirs, files in os.walk(ROOT, followlinks=True):
            dirs[:] = [d for d in dirs if not d.startswith(("build", "."))]
            if "CMakeLists.txt" in files:
                with open(os.path.join(folder, "CMakeLists.txt"),
                          encoding="utf-8") as f:
                    targets |= set(re.findall(r"add_executable\(\s*(\w+)",
                                              f.read()))
        build_runs = " ".join(r for w, r in dockerfile_stages()[0] if w == "RUN")
        built = re.search(r"--target((?:\s+[\w-]+)+)", build_runs)
        self.assertIsNotNone(built, "the build stage names no --target")
        for name in ("clinicd", "clinicctl"):
            self.assertIn(name, targets, f"no add_executable({name}")
            self.assertIn(name, built.group(1).split(),
                          f"the build stage does not build {name}")

    def test_image_runs_as_the_non_root_uid_kubernetes_expects(self):
        users = [rest for word, rest in runtime_stage() if word == "USER"]
        self.assertTrue(users, "the runtime stage sets no USER")
        uid = users[-1].split(":")[0]
        self.assertNotIn(uid, ("root", "0"), "USER is root")
        self.assertTrue(uid.isdigit(), "USER should be numeric, so that "
                        "runAsNonRoot can check it without /etc/passwd")
        for doc, spec, c in clinicd_containers():
            ctx = {**spec.get("securityContext", {}),
                   **c.get("securityContext", {})}
            self.assertEqual(str(ctx.get("runAsUser")), uid,
                             f"{doc['metadata']['name']}: runAsUser differs "
                             f"from the image's USER {uid}")

    def test_image_apt_packages_exist_in_debian(self):
        self.assertTrue(shutil.which("apt-cache"), "apt-cache is missing")
        packages = runtime_apt_packages()
        self.assertIn("tzdata", packages, "clinics' zones need tzdata")
        res = run(["apt-cache", "show", "--no-all-versions", *packages])
        found = set(re.findall(r"^Package: (\S+)", res.stdout, re.M))
        self.assertEqual(sorted(set(packages) - found), [],
                         f"not Debian packages:\n{res.stderr}")
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_image_packages_provide_every_shared_library_linked(self):
        # Owner of each library ldd resolves for the built binaries must be a
        # runtime package or one of their dependencies (or apt's, which is in
        # every Debian image): a library the image lacks fails here, not at
        # the first `docker run`.
        for tool in ("apt-cache", "dpkg", "ldd"):
            self.assertTrue(shutil.which(tool), f"{tool} is missing")
        closure = set()
        res = run(["apt-cache", "depends", "--recurse", "--no-recommends",
                   "--no-suggests", "--no-conflicts", "--no-breaks",
                   "--no-replaces", "--no-enhances", "apt",
                   *runtime_apt_packages()])
        self.assertEqual(res.returncode, 0, res.stderr)
        for line in res.stdout.splitlines():
            if line and not line[0].isspace():
                closure.add(line.strip("<>").split(":")[0])
        libs = set()
        for binary in (CLINICD, os.path.join(os.path.dirname(CLINICD),
                                             "clinicctl")):
            if os.path.exists(binary):
                libs |= set(re.findall(r"=> (/\S+)", run(["ldd", binary]).stdout))
        # Debian's /lib is /usr/lib (merged /usr), but dpkg knows one name.
        candidates = {}
        for lib in libs:
            real = os.path.realpath(lib)
            for c in (lib, real, re.sub(r"^/usr/lib/", "/lib/", real),
                      re.sub(r"^/lib/", "/usr/lib/", real)):
                candidates.setdefault(c, lib)
        owners = {}
        for line in run(["dpkg", "-S", *candidates]).stdout.splitlines():
            package, _, file = line.partition(": ")
            if file in candidates:
                owners[candidates[file]] = package.split(":")[0]
        self.assertEqual(sorted(libs - set(owners)), [],
                         "libraries no Debian package owns")
        missing = {os.path.basename(lib): owner for lib, owner in owners.items()
                   if owner not in closure
                   and not SANITIZER_PACKAGES.match(owner)}
        self.assertEqual(missing, {}, "libraries the runtime stage does not "
                         "install (library: package)")

    def test_image_exposes_the_ports_it_serves(self):
        flags = flags_of(image_argv())
        exposed = set()
        for word, rest in runtime_stage():
            if word == "EXPOSE":
                exposed |= {int(p.split("/")[0]) for p in rest.split()}
        self.assertEqual(exposed, {port_of(flags["listen"]),
                                   port_of(flags["metrics_listen"])})
        workdirs = [rest for word, rest in runtime_stage() if word == "WORKDIR"]
        volumes = [rest for word, rest in runtime_stage() if word == "VOLUME"]
        self.assertEqual(workdirs[-1:], ["/var/lib/clinicd"])
        self.assertIn("/var/lib/clinicd", " ".join(volumes))

    # ---- compose

    def test_compose(self):
        services = compose()["services"]
        self.assertTrue(services["postgres"]["image"].startswith("postgres:15"))
        self.assertIn("pg_isready", str(services["postgres"]["healthcheck"]))
        self.assertTrue(services["redis"]["image"].startswith("redis:7"))
        migrate = services["migrate"]
        self.assertTrue(is_clinicd_service(migrate))
        self.assertIn("migrate_only", flags_of(compose_argv(migrate)))
        self.assertEqual(migrate["depends_on"]["postgres"]["condition"],
                         "service_healthy")
        replicas = [n for n in services if n.startswith("clinicd-")]
        self.assertEqual(sorted(replicas), ["clinicd-1", "clinicd-2", "clinicd-3"])
        for name in replicas:
            svc = services[name]
            with self.subTest(service=name):
                self.assertTrue(is_clinicd_service(svc))
                self.assertEqual(svc["depends_on"]["migrate"]["condition"],
                                 "service_completed_successfully")
                self.assertIs(svc.get("read_only"), True)
                self.assertIn("/tmp", str(svc.get("tmpfs")))
                self.assertIn("CLINIC_DB", compose_env(svc))
                flags = flags_of(compose_argv(svc))
                self.assertNotIn("db", flags, "--db would override CLINIC_DB")
                redis = re.fullmatch(r"redis://([^:/]+):(\d+)", flags["redis"])
                self.assertIsNotNone(redis, flags["redis"])
                self.assertIn(redis.group(1), services)
                ours = {port_of(flags["listen"]),
                        port_of(flags.get("metrics_listen", ":0"))}
                published = {int(str(p).split(":")[-1].split("/")[0])
                             for p in svc.get("ports", [])}
                self.assertIn(port_of(flags["listen"]), published)
                self.assertLessEqual(published, ours,
                                     "a published container port clinicd "
                                     "does not listen on")
                self.assertGreater(seconds(svc.get("stop_grace_period", "10s")),
                                   stop_time(flags), "stop_grace_period must "
                                   "exceed the drain and grace")
        host = re.match(r"postgresql://[^@]*@([^:/]+)",
                        compose_env(services["clinicd-1"])["CLINIC_DB"])
        self.assertEqual(host.group(1), "postgres")

    # ---- Kubernetes

    def test_k8s_objects_are_well_formed_and_kustomized(self):
        for name, doc in k8s_objects():
            self.assertTrue(doc.get("metadata", {}).get("name"),
                            f"{name}: {doc['kind']} has no metadata.name")
        [kust] = yaml_docs("deploy", "kubernetes", "kustomization.yaml")
        for res in kust["resources"]:
            self.assertTrue(os.path.exists(path("deploy", "kubernetes", res)),
                            f"kustomization lists a missing {res}")
        self.assertNotIn("secret.yaml", kust["resources"],
                         "applying the example Secret would clobber the real one")
        images = {i["name"] for i in kust.get("images", [])}
        for doc, _, c in clinicd_containers():
            self.assertIn(c["image"].split(":")[0], images,
                          f"{doc['metadata']['name']}: image not set by kustomize")

    def test_k8s_deployment_ports_and_probes(self):
        dep, spec, c = the_deployment()
        self.assertEqual(dep["spec"]["replicas"], 3)
        flags = flags_of(c.get("args", []))
        grpc, metrics = port_of(flags["listen"]), port_of(flags["metrics_listen"])
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        self.assertEqual(ports, {"grpc": grpc, "metrics": metrics},
                         "containerPorts must match --listen/--metrics_listen")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe == "startupProbe" and probe not in c:
                continue
            self.assertIn(probe, c)
            self.assertEqual(set(c[probe]) & {"grpc", "httpGet", "tcpSocket",
                                              "exec"}, {"grpc"},
                             f"{probe} must be the kubelet's gRPC probe")
            self.assertEqual(c[probe]["grpc"]["port"], grpc,
                             f"{probe} probes another port than --listen")
            self.assertIn(c[probe]["grpc"].get("service", ""), ("",),
                          "clinicd's health service reports on service ''")
        ann = pod_template(dep)["metadata"]["annotations"]
        self.assertEqual(ann.get("prometheus.io/scrape"), "true")
        self.assertEqual(int(ann.get("prometheus.io/port")), metrics)
        for kind in ("requests", "limits"):
            for res in ("cpu", "memory"):
                self.assertIn(res, c.get("resources", {}).get(kind, {}),
                              f"resources.{kind}.{res} missing")
        [svc] = k8s_kind("Service")
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            self.assertEqual(ports.get(target, target), grpc,
                             f"Service port {port} does not reach --listen")

    def test_k8s_security_context(self):
        want = {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False}
        for doc, spec, c in clinicd_containers():
            name = f"{doc['kind']} {doc['metadata']['name']}"
            pod_ctx, ctx = spec.get("securityContext", {}), c.get("securityContext", {})
            merged = {**pod_ctx, **ctx}  # the container's wins
            for key, value in want.items():
                self.assertIs(merged.get(key), value, f"{name}: {key}")
            self.assertEqual(merged.get("runAsUser"), 10001, name)
            self.assertIn("ALL", merged.get("capabilities", {}).get("drop", []),
                          f"{name}: capabilities.drop ALL")
            self.assertEqual(merged.get("seccompProfile", {}).get("type"),
                             "RuntimeDefault", f"{name}: seccompProfile")
            # A read-only root needs a writable /tmp.
            vols = {v["name"]: v for v in spec.get("volumes", [])}
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            self.assertTrue(tmp and "emptyDir" in vols[tmp[0]["name"]],
                            f"{name}: no emptyDir at /tmp")

    def test_k8s_selectors_match_the_pods(self):
        dep, _, _ = the_deployment()
        labels = pod_template(dep)["metadata"]["labels"]
        selector = dep["spec"]["selector"]["matchLabels"]
        self.assertLessEqual(selector.items(), labels.items())
        [pdb] = k8s_kind("PodDisruptionBudget")
        self.assertEqual(pdb["spec"].get("minAvailable"), 2)
        self.assertLess(pdb["spec"]["minAvailable"], dep["spec"]["replicas"],
                        "a PDB at the replica count blocks every drain")
        self.assertLessEqual(pdb["spec"]["selector"]["matchLabels"].items(),
                             labels.items(), "PDB selects no clinicd pod")
        [svc] = k8s_kind("Service")
        self.assertLessEqual(svc["spec"]["selector"].items(), labels.items(),
                             "Service selects no clinicd pod")
        # The migrate Job's pods must not be picked up as servers.
        for job in k8s_kind("Job"):
            job_labels = pod_template(job)["metadata"].get("labels", {})
            self.assertFalse(svc["spec"]["selector"].items() <= job_labels.items(),
                             "the Service would select the migrate Job's pod")

    def test_k8s_config_and_secret_references_resolve(self):
        maps = {d["metadata"]["name"]: d for d in k8s_kind("ConfigMap")}
        secrets = {d["metadata"]["name"]: d for d in k8s_kind("Secret")}
        rules_paths = set()
        for doc, spec, c in clinicd_containers():
            name = doc["metadata"]["name"]
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    keys = secrets.get(ref["name"], {}).get("stringData", {})
                    self.assertIn(ref["key"], keys, f"{name}: env {e['name']} "
                                  f"names a missing Secret key {ref}")
            rules = flags_of(c.get("args", [])).get("rules")
            if rules is None:
                continue
            rules_paths.add(rules)
            vols = {v["name"]: v for v in spec.get("volumes", [])}
            mounts = [m for m in c.get("volumeMounts", [])
                      if rules.startswith(m["mountPath"].rstrip("/") + "/")]
            self.assertEqual(len(mounts), 1, f"{name}: {rules} is not mounted")
            cm = vols[mounts[0]["name"]]["configMap"]["name"]
            key = os.path.relpath(rules, mounts[0]["mountPath"])
            self.assertIn(key, maps.get(cm, {}).get("data", {}),
                          f"{name}: ConfigMap {cm} has no {key}")
        # The Job makes the first clinic: with other rules than the replicas
        # pass, every replica would refuse to start.
        self.assertEqual(len(rules_paths), 1,
                         f"workloads disagree on --rules: {rules_paths}")

    def test_k8s_grace_period_covers_the_drain(self):
        _, spec, c = the_deployment()
        self.assertGreater(spec.get("terminationGracePeriodSeconds", 30),
                           stop_time(flags_of(c["args"])),
                           "terminationGracePeriodSeconds must exceed "
                           "--shutdown_drain + --shutdown_grace")

    def test_prometheus_scrape_keeps_annotated_pods(self):
        [doc] = yaml_docs("deploy", "kubernetes", "prometheus-scrape.yaml")
        jobs = doc["scrape_configs"]
        ok = False
        for job in jobs:
            roles = [sd.get("role") for sd in job.get("kubernetes_sd_configs", [])]
            for rule in job.get("relabel_configs", []):
                if ("pod" in roles and rule.get("action") == "keep"
                        and rule.get("source_labels") ==
                        ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]
                        and re.fullmatch(rule.get("regex", "(.*)"), "true")):
                    ok = True
        self.assertTrue(ok, "no pod-role job keeping prometheus.io/scrape pods")

    def test_rules_configmap_is_accepted_by_clinicd(self):
        # Serve once with the ConfigMap's rules on a throwaway SQLite store:
        # a rule file clinicd cannot read makes it exit 2 at start.
        [cm] = [d for d in k8s_kind("ConfigMap")
                if "rules.textproto" in d.get("data", {})]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
        with tempfile.TemporaryDirectory() as folder:
            rules = os.path.join(folder, "rules.textproto")
            port_file = os.path.join(folder, "port")
            with open(rules, "w", encoding="utf-8") as f:
                f.write(cm["data"]["rules.textproto"])
            argv = [CLINICD, "--listen=127.0.0.1:0", "--port_file=" + port_file,
                    "--db=" + os.path.join(folder, "clinic.db"), "--rules=" + rules]
            if "metrics_listen" in accepted_flags():  # never a fixed port here
                argv.append("--metrics_listen=127.0.0.1:0")
            proc = subprocess.Popen(argv, cwd=folder, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                deadline, serving = time.monotonic() + 30, False
                while not serving and time.monotonic() < deadline \
                        and proc.poll() is None:
                    time.sleep(0.05)
                    if os.path.exists(port_file):
                        with open(port_file, encoding="utf-8") as f:
                            serving = bool(f.read().strip())
                exited = proc.poll()
                if exited is None:
                    proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            self.assertIsNone(exited, f"clinicd exited {exited} with the "
                              f"ConfigMap's rules:\n{err}")
            self.assertTrue(serving, f"clinicd did not serve in 30 s:\n{err}")
            self.assertEqual(proc.returncode, 0, f"clinicd after SIGTERM:\n{err}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    CLINICD = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    if not os.access(CLINICD, os.X_OK):
        sys.exit(f"{CLINICD}: not an executable clinicd")
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
