"""framing fetch: URL lists read, and pages downloaded politely from a real HTTP server on
127.0.0.1 (robots.txt, per-host spacing, retries with backoff, timeouts, size cap, redirects,
wrong content types), cached and resumed, written so that framing run reads them."""
from __future__ import annotations

import csv
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import FramingError
from pipeline.ingest import Article, iter_articles
from pipeline.ingest.fetch import UrlRecord, fetch, read_url_list, user_agent

FORMATS = Path(__file__).parent / "fixtures" / "formats"
STORY = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>Officials in Rongcheng said on Monday that the city's points scheme would be reviewed next spring.</p>"
    "<p>The review follows complaints from residents who said the scores were hard to understand.</p>"
    "</article></body></html>"
)
FAST = {"delay": 0.0, "timeout": 1.0, "retries": 2, "backoff": 0.05}


class Server:
    """A real HTTP server on 127.0.0.1 whose routes tests define; it logs every request."""

    def __init__(self, routes: dict, robots: str | None = "User-agent: *\nDisallow: /private\n"):
        self.routes, self.log, self.hits = routes, [], {}
        if robots is not None:
            self.routes.setdefault("/robots.txt", (200, "text/plain", robots))
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.log.append((self.path, time.monotonic(), self.headers.get("User-Agent")))
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if callable(route):
                    route(self, server.hits[self.path])
                    return
                status, content_type, body = route
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(routes, **kwargs):
        servers.append(Server(routes, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def page(title: str):
    return (200, "text/html; charset=utf-8", STORY.format(title=title))


def write_list(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("# my list\n" + "\n".join(urls) + "\n")
    return path


def errors_of(out: Path) -> dict:
    with open(out / "errors.csv", newline="", encoding="utf-8") as handle:
        return {row["url"]: row for row in csv.DictReader(handle)}


# --- lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, n", [
    ("mediacloud_3docs.csv", 3), ("gdelt_doc_artlist_3docs.json", 3), ("gdelt_gkg_3docs.gkg.csv", 3),
    ("mediacloud_1doc.csv", 1), ("gdelt_doc_artlist_1doc.json", 1), ("gdelt_gkg_1doc.gkg.csv", 1),
])  # fmt: skip
def test_fetch_reads_every_url_list_sample(name, n):
    records = read_url_list(FORMATS / name)
    assert len(records) == n
    assert records[0] == UrlRecord(
        "https://www.riverton-ledger.example/news/2021/03/04/council-passes-leaner-budget-for-2021-22",
        "Council passes leaner budget for 2021-22",
        "riverton-ledger.example",
        "2021-03-04" if name.startswith("mediacloud") else "",  # GDELT's seendate is no publication date
    )


def test_fetch_media_cloud_title_with_quotes_and_missing_date():
    records = read_url_list(FORMATS / "mediacloud_3docs.csv")
    assert records[1].title == 'Transit agency warns of fare increase, "no state aid, no service"'
    assert records[2].date == ""


def test_fetch_gdelt_json_with_a_broken_escape_is_still_read(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"articles": [{"url": "https://a.example/1", "title": "Bad \\q escape\tand tab"}]}')
    assert read_url_list(path) == [UrlRecord("https://a.example/1", "Bad q escape and tab", "")]


def test_fetch_list_without_urls_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("no urls here\nftp://old.example/file\n")
    with pytest.raises(FramingError, match="no http\\(s\\) URLs found in the list"):
        read_url_list(path)


# --- downloading -----------------------------------------------------------------------------


def test_fetch_downloads_pages_that_framing_run_reads(serve, tmp_path):
    server = serve({"/a": page("Story A"), "/b": page("Story B")})
    listing = tmp_path / "mc.csv"
    listing.write_text(
        "id,indexed_date,language,media_name,media_url,publish_date,title,url\n"
        f"1,,en,ledger.example,ledger.example,2021-03-04,List title A,{server.url('/a')}\n"
        f"2,,en,ledger.example,ledger.example,,List title B,{server.url('/b')}\n"
    )
    result = fetch(listing, tmp_path / "out", **FAST)
    assert result.counts == {"urls": 2, "fetched": 2, "cached": 0, "failed": 0}
    articles = list(iter_articles(tmp_path / "out" / "pages"))
    assert all(isinstance(a, Article) for a in articles), articles
    by_url = {a.url: a for a in articles}
    a = by_url[server.url("/a")]
    assert (a.title, a.outlet, a.date) == ("Story A", "ledger.example", "2021-03-04")  # the page's title wins
    assert "points scheme" in a.text
    assert all(agent == user_agent() for _, _, agent in server.log)
    assert "framing/" in user_agent() and "robots.txt" in user_agent("me@uni.example")


def test_fetch_honours_robots_txt(serve, tmp_path):
    server = serve({"/private/x": page("Secret"), "/public": page("Public")})
    out = tmp_path / "out"
    result = fetch(write_list(tmp_path, [server.url("/private/x"), server.url("/public")]), out, **FAST)
    assert result.counts["fetched"] == 1 and result.counts["failed"] == 1
    assert "/private/x" not in server.hits
    assert errors_of(out)[server.url("/private/x")]["reason"] == "disallowed by robots.txt"


def test_fetch_robots_txt_that_fails_means_do_not_crawl(serve, tmp_path):
    server = serve({"/robots.txt": (503, "text/plain", "down"), "/a": page("A")}, robots=None)
    out = tmp_path / "out"
    fetch(write_list(tmp_path, [server.url("/a")]), out, **{**FAST, "retries": 0})
    assert "/a" not in server.hits
    assert "robots.txt could not be read (HTTP 503" in errors_of(out)[server.url("/a")]["reason"]
    fetch(write_list(tmp_path, [server.url("/a")]), out, **{**FAST, "retries": 0})
    assert server.hits["/robots.txt"] == 2  # asked again by the next run, unlike a disallow


def test_fetch_missing_robots_txt_allows_everything(serve, tmp_path):
    server = serve({"/a": page("A")}, robots=None)  # /robots.txt is a 404
    result = fetch(write_list(tmp_path, [server.url("/a")]), tmp_path / "out", **FAST)
    assert result.counts["fetched"] == 1


def test_fetch_spaces_requests_to_one_host_but_not_across_hosts(serve, tmp_path):
    one = serve({f"/{n}": page(str(n)) for n in range(3)})
    two = serve({"/x": page("x")})
    urls = [one.url(f"/{n}") for n in range(3)] + [two.url("/x")]
    fetch(write_list(tmp_path, urls), tmp_path / "out", **{**FAST, "delay": 0.3})
    times = [t for path, t, _ in one.log]  # robots.txt, /0, /1, /2
    assert [path for path, _, _ in one.log] == ["/robots.txt", "/0", "/1", "/2"]
    assert min(later - earlier for earlier, later in zip(times, times[1:])) >= 0.29
    # the other host was not made to wait for the first one's pauses: its page came before
    # the first host's last one (hosts are taken in turn)
    assert two.log[1][1] < one.log[-1][1]


def test_fetch_honours_crawl_delay(serve, tmp_path):
    server = serve({"/a": page("A"), "/b": page("B")}, robots="User-agent: *\nCrawl-delay: 1\n")
    fetch(write_list(tmp_path, [server.url("/a"), server.url("/b")]), tmp_path / "out", **FAST)
    (_, a, _), (_, b, _) = server.log[1:]
    assert b - a >= 0.99


def test_fetch_retries_transient_failures_with_backoff(serve, tmp_path):
    def flaky(handler, hit):
        if hit < 3:
            handler.send_error(503 if hit == 1 else 500)
            return
        body = STORY.format(title="Third time").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(body)

    server = serve({"/flaky": flaky, "/gone": (404, "text/html", "no"), "/broken": (500, "text/html", "no")})
    out = tmp_path / "out"
    result = fetch(write_list(tmp_path, [server.url(p) for p in ("/flaky", "/gone", "/broken")]), out, **FAST)
    assert result.counts == {"urls": 3, "fetched": 1, "cached": 0, "failed": 2}
    assert server.hits["/flaky"] == 3 and server.hits["/gone"] == 1 and server.hits["/broken"] == 3
    flaky_times = [t for path, t, _ in server.log if path == "/flaky"]
    assert flaky_times[2] - flaky_times[1] >= 0.09  # backoff doubled: 0.05, then 0.1
    errors = errors_of(out)
    assert errors[server.url("/gone")]["status"] == "404"
    assert errors[server.url("/broken")]["reason"] == "HTTP 500 Internal Server Error (after 3 attempts)"


def test_fetch_times_out_on_slow_responses(serve, tmp_path):
    def slow(handler, hit):
        time.sleep(1.5)
        handler.send_response(200)
        handler.end_headers()

    def trickle(handler, hit):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(30):  # a byte now and then, each within the socket timeout
            handler.wfile.write(b"<p>x</p>" * 9000)
            handler.wfile.flush()
            time.sleep(0.1)

    server = serve({"/slow": slow, "/trickle": trickle})
    out = tmp_path / "out"
    started = time.monotonic()
    fetch(write_list(tmp_path, [server.url("/slow"), server.url("/trickle")]), out,
          **{**FAST, "timeout": 0.5, "retries": 0})
    assert time.monotonic() - started < 3.0
    errors = errors_of(out)
    assert errors[server.url("/slow")]["reason"] == "timed out after 0.5 s"
    assert errors[server.url("/trickle")]["reason"].startswith("timed out after 0.5 s")


def test_fetch_follows_redirects_and_checks_robots_on_each_hop(serve, tmp_path):
    def redirect(target):
        def handle(handler, hit):
            handler.send_response(301)
            handler.send_header("Location", target)
            handler.end_headers()
        return handle

    server = serve({"/old": redirect("/new"), "/new": page("Moved"), "/sneaky": redirect("/private/x"),
                    "/loop": redirect("/loop")})
    out = tmp_path / "out"
    result = fetch(write_list(tmp_path, [server.url(p) for p in ("/old", "/sneaky", "/loop")]), out, **FAST)
    assert result.counts["fetched"] == 1
    (article,) = iter_articles(out / "pages")
    assert article.title == "Moved" and article.url == server.url("/old")
    assert "/private/x" not in server.hits
    errors = errors_of(out)
    assert errors[server.url("/sneaky")]["reason"] == "disallowed by robots.txt"
    assert errors[server.url("/loop")]["reason"] == "more than 5 redirects"


def test_fetch_size_cap_and_wrong_content_types(serve, tmp_path):
    def huge_without_length(handler, hit):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b"<p>" + b"x" * 10_000 + b"</p>")

    server = serve({
        "/huge": (200, "text/html", "<p>" + "x" * 500_000 + "</p>"),
        "/stream": huge_without_length,
        "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        "/empty": (200, "text/html", ""),
        "/text": (200, "text/plain", "A plain text story about the points scheme in Rongcheng."),
    })  # fmt: skip
    out = tmp_path / "out"
    urls = [server.url(p) for p in ("/huge", "/stream", "/image", "/empty", "/text")]
    result = fetch(write_list(tmp_path, urls), out, **{**FAST, "max_bytes": 200_000})
    assert result.counts["fetched"] == 1
    errors = errors_of(out)
    assert errors[server.url("/huge")]["reason"] == "page is 500007 bytes, over the limit of 200000 (--max-bytes)"
    assert errors[server.url("/stream")]["reason"] == "page is over the limit of 200000 bytes (--max-bytes)"
    assert errors[server.url("/image")]["reason"] == "not a web page: content type 'image/png'"
    assert errors[server.url("/empty")]["reason"] == "empty page"
    assert [p.suffix for p in (out / "pages").iterdir() if p.name != "metadata.csv"] == [".txt"]


def test_fetch_resumes_without_asking_again(serve, tmp_path):
    server = serve({"/a": page("A"), "/gone": (404, "text/html", "no")})
    listing = write_list(tmp_path, [server.url("/a"), server.url("/gone")])
    out = tmp_path / "out"
    fetch(listing, out, **FAST)
    before = dict(server.hits)
    again = fetch(listing, out, **FAST)
    assert again.counts == {"urls": 2, "fetched": 0, "cached": 1, "failed": 1}
    assert server.hits == before  # nothing asked again (robots.txt neither)
    # a damaged page is fetched again; --retry-failed asks for the 404 again
    page_file = next(p for p in (out / "pages").iterdir() if p.suffix == ".html")
    page_file.write_text("damaged")
    third = fetch(listing, out, **FAST, retry_failed=True)
    assert third.counts == {"urls": 2, "fetched": 1, "cached": 0, "failed": 1}
    assert server.hits["/a"] == 2 and server.hits["/gone"] == 2


def test_fetch_command_and_run_on_the_pages(serve, tmp_path):
    server = serve({"/a": page("Story A")})
    listing = write_list(tmp_path, [server.url("/a"), server.url("/missing")])
    result = CliRunner().invoke(cli, ["fetch", str(listing), "--out", str(tmp_path / "out"), "--delay", "0",
                                      "--retries", "0"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "2 URLs: 1 fetched, 0 already saved, 1 failed" in result.output
    assert f"framing run {tmp_path / 'out' / 'pages'} --out RESULTS" in result.output


def test_fetch_command_with_a_bad_list_prints_one_error_line(tmp_path):
    result = CliRunner().invoke(cli, ["fetch", str(tmp_path / "none.csv"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read the URL list: file disappeared before it could be read")
