"""Debian's sqlmap frozen as the script app it is: sqlmap.py at the root of /usr/share/sqlmap,
its code in packages beside it, and its payloads, wordlists and XML in data/, a directory of no
package that [packages] data_files ships; [python] frozen = false, since its frozen branch
looks for data/ beside the executable. Run with every Python hidden against a local web server
with an SQL injection, it must find the injection and dump the table, from memory."""
import http.server
import pathlib
import sqlite3
import threading
import unittest
import urllib.parse

from freezetest import TempDirTestCase, build_app, can_hide_pythons, clean_env, run_hidden, uses_debian_python3_11

SQLMAP = pathlib.Path("/usr/share/sqlmap")

TOML = f"""
[app]
name = "sqlmap"
entry = "sqlmap"
[python]
frozen = false
[packages]
paths = ["{SQLMAP}"]
data_files = ["data"]
"""


class InjectableHandler(http.server.BaseHTTPRequestHandler):
    """GET /?id=N runs "select name from users where id=N": injectable, as sqlmap needs."""
    database = None

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        try:
            rows = self.database.execute("select name from users where id=" + query.get("id", ["1"])[0]).fetchall()
            body = "<html>" + ",".join(str(row[0]) for row in rows) + "</html>"
        except sqlite3.Error:
            body = "<html>error</html>"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@uses_debian_python3_11
@unittest.skipUnless((SQLMAP / "sqlmap.py").is_file(), "sqlmap is not installed (scripts/install-deps.sh installs it)")
@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
class SqlmapTest(TempDirTestCase):
    def test_finds_the_injection_and_dumps_the_table_with_its_data_in_memory(self):
        exe = build_app(self.tmp / "project", TOML)
        self.assertEqual(sorted(p.name for p in exe.parent.iterdir()), ["sqlmap"], "nothing beside the executable")
        database = sqlite3.connect(":memory:", check_same_thread=False)
        database.execute("create table users(id integer, name text)")
        database.executemany("insert into users values(?, ?)", [(1, "alice"), (2, "bob")])
        InjectableHandler.database = database
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), InjectableHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            home = self.tmp / "home"
            result = run_hidden([exe, "-u", f"http://127.0.0.1:{server.server_port}/?id=1", "--batch", "--dbms=sqlite",
                                 "--dump", "-T", "users", "--disable-coloring"],
                                env=clean_env(HOME=str(home)), timeout=300)
        finally:
            server.shutdown()
        self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr)
        self.assertNotIn("unable to read file", result.stdout)
        self.assertIn("Parameter: id (GET)", result.stdout)
        self.assertIn("back-end DBMS: SQLite", result.stdout)
        self.assertRegex(result.stdout, r"\| 1 +\| alice +\|")
        self.assertRegex(result.stdout, r"\| 2 +\| bob +\|")


if __name__ == "__main__":
    unittest.main()
