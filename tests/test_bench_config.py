"""The nginx configuration README.md documents is the one `make bench` measures (bench/nginx-site.conf)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Deploying behind nginx\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```nginx\n(.*?)```", section, re.DOTALL).group(1)


def as_pattern(template: str) -> re.Pattern:
    """The template as a regular expression: each placeholder one value, the same wherever it recurs."""
    parts, seen, last = [], set(), 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^\\s;{{}}]+)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


def test_the_readme_block_is_the_bench_config_with_real_values():
    template = (ROOT / "bench" / "nginx-site.conf").read_text()
    block = readme_block()

    found = as_pattern(template).fullmatch(block)

    assert found, "README.md's nginx block differs from bench/nginx-site.conf beyond its placeholders"
    values = found.groupdict()
    assert set(values) == {"CACHE_DIR", "LISTEN", "SERVER_NAME", "UPSTREAM", "STATIC_ROOT"}
    assert PLACEHOLDER.sub(lambda m: values[m.group(1)], template) == block
    assert "{{" not in block


def test_the_config_caches_only_the_shared_feeds():
    template = (ROOT / "bench" / "nginx-site.conf").read_text()
    blocks = re.findall(r"^    location ([^\n]+) \{\n(.*?)^    \}", template, re.MULTILINE | re.DOTALL)
    cached = [where for where, body in blocks if "proxy_cache eventsite_feeds;" in body]

    assert cached == ["= /calendar.ics", r"~ ^/series/[0-9]+\.ics$"]
    assert len(blocks) == 5
    assert "proxy_cache_key $scheme$host$request_uri;" in template
    assert "/feeds/" not in template  # personal feeds go through the plain proxy_pass
