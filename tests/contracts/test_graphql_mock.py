"""GraphQL contract artifacts: unit tests, then the generated node mock
server run for real (``npm ci`` once per session, servers on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from teamspec.contracts.graphql_mock import graphql_files, scalar_kind, scalar_kinds
from teamspec.errors import InterfaceError
from teamspec.model import Contract, Interface

SWAPI = Path("/work/shared/corpus/graphql/swapi.graphql")
if not SWAPI.exists():  # the corpus next to the repository
    SWAPI = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "graphql" / "swapi.graphql"

SCALARS_SDL = '''\
"""An instant."""
scalar DateTime
scalar Date
scalar JSON
scalar Money
scalar URL
scalar UUID
scalar Cursor

enum Status { OPEN DONE ARCHIVED }

interface Named { id: ID! name: String! }
type Shop implements Named { id: ID! name: String! site: URL opened: Date }
type Customer implements Named { id: ID! name: String! since: DateTime balance: Money! }
union Party = Shop | Customer

type Order {
  id: UUID!
  placed: DateTime!
  day: Date
  total: Money!
  meta: JSON
  status: Status!
  tags: [String!]!
  party: Party!
  next: Cursor
}

type Query {
  orders: [Order!]!
  order(id: ID): Order
  named: [Named!]!
}
'''


def graphql_contract(sdl: str, source: Path | None = None) -> Contract:
    return Contract(
        id="catalog_graph", name="Catalog Graph", type="graphql", provider="backend_developer",
        interface=Interface(kind="graphql", document=sdl, source=source, text=sdl, origin="file"),
    )


# ------------------------------------------------------------------ unit


def test_scalar_kinds_by_name() -> None:
    names = ["DateTime", "Date", "Time", "Timestamp", "JSON", "JSONObject", "Money", "URL",
             "EmailAddress", "UUID", "ObjectID", "BigInt", "PositiveInt", "Point", "TimeZone"]
    assert {n: scalar_kind(n) for n in names} == {
        "DateTime": "datetime", "Date": "date", "Time": "time", "Timestamp": "datetime",
        "JSON": "json", "JSONObject": "json", "Money": "decimal", "URL": "url",
        "EmailAddress": "email", "UUID": "uuid", "ObjectID": "id", "BigInt": "integer",
        "PositiveInt": "integer", "Point": "string", "TimeZone": "string",
    }


def test_scalar_kinds_reads_definitions_and_extensions() -> None:
    sdl = SCALARS_SDL + "extend scalar Money @specifiedBy(url: \"https://x\")\nscalar Weird\n"
    assert scalar_kinds(sdl) == {
        "Cursor": "string", "Date": "date", "DateTime": "datetime", "JSON": "json",
        "Money": "decimal", "URL": "url", "UUID": "uuid", "Weird": "string",
    }


def test_graphql_files_are_complete_and_deterministic() -> None:
    sdl = SWAPI.read_text(encoding="utf-8")
    files = graphql_files(graphql_contract(sdl, SWAPI))
    assert sorted(files) == ["README.md", "mock_server.js", "package-lock.json",
                             "package.json", "schema.graphql"]
    assert files["schema.graphql"] == sdl
    assert files == graphql_files(graphql_contract(sdl, SWAPI))
    assert "const SCALAR_KINDS = {};" in files["mock_server.js"]
    assert "Math.random(" not in files["mock_server.js"]
    lock = json.loads(files["package-lock.json"])
    package = json.loads(files["package.json"])
    assert lock["lockfileVersion"] == 3
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    assert set(package["dependencies"]) == {
        "@apollo/server", "@graphql-tools/mock", "@graphql-tools/schema", "graphql"}
    assert lock["packages"]["node_modules/@apollo/server"]["version"].startswith("5.")
    assert "# Catalog Graph — GraphQL mock" in files["README.md"]
    assert "The schema declares no custom scalars." in files["README.md"]


def test_custom_scalars_are_in_the_server_and_readme() -> None:
    files = graphql_files(graphql_contract(SCALARS_SDL))
    table = re.search(r"const SCALAR_KINDS = (\{.*?\});", files["mock_server.js"], re.S)
    assert table is not None
    assert json.loads(table.group(1)) == {
        "Cursor": "string", "Date": "date", "DateTime": "datetime", "JSON": "json",
        "Money": "decimal", "URL": "url", "UUID": "uuid",
    }
    assert '| `Money` | decimal | `"123.45"` |' in files["README.md"]
    assert '| `Cursor` | string | `"<Scalar> 1a2b3c4d"` |' in files["README.md"]


def test_unparseable_sdl_is_an_interface_error_with_position(tmp_path: Path) -> None:
    source = tmp_path / "broken.graphql"
    sdl = "type Query {\n  a: String\n  b: [Int\n}\n"
    with pytest.raises(InterfaceError) as info:
        graphql_files(graphql_contract(sdl, source))
    assert info.value.lines() == [
        f"{source}:4:1: error: GraphQL SDL does not parse: Syntax Error: Expected ']', "
        "found '}'.; fix the SDL at this position"
    ]


def test_non_graphql_interface_is_rejected() -> None:
    contract = Contract(id="c", name="C", type="graphql", provider="p",
                        interface=Interface(kind="json_schema", document={"type": "object"}))
    with pytest.raises(InterfaceError) as info:
        graphql_files(contract)
    assert info.value.lines() == [
        "<c interface>: error: contracts.c.interface: expected a GraphQL SDL interface "
        "(type: graphql), found a json_schema interface; point `interface:` at a .graphql file"
    ]


# ------------------------------------------------------------------ node


def _require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} on PATH"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI is set: node tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def graphql_node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``npm ci`` of the generated package.json + lockfile per session."""
    _require_tools("node", "npm")
    files = graphql_files(graphql_contract(SCALARS_SDL))
    root = tmp_path_factory.mktemp("graphql-mock-install")
    for name in ("package.json", "package-lock.json"):
        (root / name).write_text(files[name], encoding="utf-8")
    proc = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=root, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "node_modules"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def post(url: str, query: str, variables: dict[str, Any] | None = None) -> bytes:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        data: bytes = resp.read()
        return data


def answer(url: str, query: str) -> dict[str, Any]:
    """The ``data`` of a response that has no ``errors``."""
    result = json.loads(post(url, query))
    assert "errors" not in result, result["errors"]
    data: dict[str, Any] = result["data"]
    return data


class MockServer:
    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            ["node", "mock_server.js", "--port", str(self.port)], cwd=directory,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                _, err = self.proc.communicate()
                raise AssertionError(f"mock server exited with {self.proc.returncode}: {err}")
            try:
                post(self.url, "{ __typename }")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise AssertionError(f"mock server did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc.communicate()


@pytest.fixture
def serve(tmp_path: Path, graphql_node_modules: Path) -> Iterator[Any]:
    """``serve(sdl)`` writes the contract files, starts ``node mock_server.js``
    on a free port of 127.0.0.1 and returns its URL; every server is stopped
    at the end of the test."""
    servers: list[MockServer] = []

    def start(sdl: str, name: str = "mock") -> str:
        directory = tmp_path / f"{name}-{len(servers)}"
        directory.mkdir()
        for rel, text in graphql_files(graphql_contract(sdl)).items():
            (directory / rel).write_text(text, encoding="utf-8")
        (directory / "node_modules").symlink_to(graphql_node_modules, target_is_directory=True)
        server = MockServer(directory)
        servers.append(server)
        server.wait_ready()
        return server.url

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


FILMS_QUERY = """
query Films {
  allFilms {
    totalCount
    films {
      title
      episodeID
      producers
      characterConnection {
        characters { name homeworld { name } }
      }
    }
    edges { cursor node { ...FilmParts } }
    pageInfo { hasNextPage endCursor }
  }
}
fragment FilmParts on Film {
  id
  director
  planetConnection { planets { ...PlanetParts } }
}
fragment PlanetParts on Planet { name population residentConnection { totalCount } }
"""

NODE_QUERY = """
{
  node(id: "ZmlsbXM6MQ==") {
    __typename
    id
    ... on Film { title }
    ... on Person { name }
    ... on Planet { name }
    ... on Species { name }
    ... on Starship { name }
    ... on Vehicle { name }
  }
  film(id: "ZmlsbXM6MQ==") { id title }
  person(personID: "1") { name filmConnection { films { title } } }
}
"""

NODE_TYPES = {"Film", "Person", "Planet", "Species", "Starship", "Vehicle"}


@pytest.mark.node
def test_swapi_nested_connections_and_fragments(serve: Any) -> None:
    url = serve(SWAPI.read_text(encoding="utf-8"), "swapi")
    first = post(url, FILMS_QUERY)
    assert post(url, FILMS_QUERY) == first
    result = json.loads(first)
    assert "errors" not in result
    films = result["data"]["allFilms"]["films"]
    assert len(films) == 2
    for film in films:
        assert isinstance(film["title"], str) and film["title"].startswith("title ")
        assert isinstance(film["episodeID"], int)
        assert len(film["producers"]) == 2
        characters = film["characterConnection"]["characters"]
        assert len(characters) == 2
        for person in characters:
            assert isinstance(person["name"], str)
            assert isinstance(person["homeworld"]["name"], str)
    titles = [f["title"] for f in films]
    assert len(set(titles)) == 2  # list items are distinct objects
    for edge in result["data"]["allFilms"]["edges"]:
        assert isinstance(edge["cursor"], str)
        film = edge["node"]
        assert isinstance(film["id"], str) and isinstance(film["director"], str)
        for planet in film["planetConnection"]["planets"]:
            assert isinstance(planet["population"], int | float)
            assert isinstance(planet["residentConnection"]["totalCount"], int)


@pytest.mark.node
def test_swapi_interface_and_id_argument(serve: Any) -> None:
    url = serve(SWAPI.read_text(encoding="utf-8"), "swapi")
    data = answer(url, NODE_QUERY)
    node = data["node"]
    assert node["id"] == "ZmlsbXM6MQ=="
    assert node["__typename"] in NODE_TYPES
    # the inline fragment of the concrete type was applied
    assert set(node) == {"__typename", "id", "title" if node["__typename"] == "Film" else "name"}
    assert data["film"]["id"] == "ZmlsbXM6MQ=="
    assert isinstance(data["film"]["title"], str)
    assert len(data["person"]["filmConnection"]["films"]) == 2
    assert answer(url, NODE_QUERY) == data


@pytest.mark.node
def test_swapi_same_data_after_restart_whatever_was_asked_before(serve: Any) -> None:
    sdl = SWAPI.read_text(encoding="utf-8")
    one = serve(sdl, "one")
    films_one, node_one = post(one, FILMS_QUERY), post(one, NODE_QUERY)
    two = serve(sdl, "two")
    node_two, films_two = post(two, NODE_QUERY), post(two, FILMS_QUERY)
    assert films_one == films_two
    assert node_one == node_two


@pytest.mark.node
def test_every_custom_scalar_enum_union_and_interface_is_mocked(serve: Any) -> None:
    url = serve(SCALARS_SDL, "scalars")
    query = """
    {
      orders {
        id placed day total meta status tags next
        party { __typename ... on Shop { name site opened } ... on Customer { name since balance } }
      }
      order(id: "o-1") { id total }
      named { __typename id name }
    }
    """
    data = answer(url, query)
    assert answer(url, query) == data
    assert len(data["orders"]) == 2
    for order in data["orders"]:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}",
                            order["id"])
        assert re.fullmatch(r"202[45]-\d\d-\d\dT\d\d:\d\d:\d\dZ", order["placed"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", order["day"])
        assert re.fullmatch(r"\d+\.\d\d", order["total"])
        assert isinstance(order["meta"], dict) and set(order["meta"]) == {"meta"}
        assert order["status"] in {"OPEN", "DONE", "ARCHIVED"}
        assert len(order["tags"]) == 2
        assert re.fullmatch(r"Cursor [0-9a-f]{8}", order["next"])
        party = order["party"]
        if party["__typename"] == "Shop":
            assert party["site"].startswith("https://example.com/site/")
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", party["opened"])
        else:
            assert party["__typename"] == "Customer"
            assert re.fullmatch(r"\d+\.\d\d", party["balance"])
    assert data["order"]["id"] == "o-1"  # the id argument names the object returned
    assert re.fullmatch(r"\d+\.\d\d", data["order"]["total"])
    assert {n["__typename"] for n in data["named"]} <= {"Shop", "Customer"}


PAGED_QUERY = """
{
  five: allFilms(first: 5) { edges { node { title producers } } films { title } }
  none: allFilms(first: 0) { films { title } }
  many: allPeople(last: 1000) { people { name } }
  plain: allFilms { films { title } }
}
"""


@pytest.mark.node
def test_paging_arguments_set_list_lengths(serve: Any) -> None:
    url = serve(SWAPI.read_text(encoding="utf-8"), "swapi")
    data = answer(url, PAGED_QUERY)
    assert len(data["five"]["edges"]) == 5
    assert len(data["five"]["films"]) == 5
    assert len({f["title"] for f in data["five"]["films"]}) == 5
    assert all(len(e["node"]["producers"]) == 2 for e in data["five"]["edges"])  # inner lists: default
    assert data["none"]["films"] == []
    assert len(data["many"]["people"]) == 100  # capped
    assert len(data["plain"]["films"]) == 2
    # deterministic whatever was asked before: a fresh server, the other order
    again = serve(SWAPI.read_text(encoding="utf-8"), "swapi")
    post(again, "{ allFilms { films { title } } }")
    assert answer(again, PAGED_QUERY) == data
