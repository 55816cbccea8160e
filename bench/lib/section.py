"""Puts a bench's generated section into docs/benchmarks.md: between its own markers
(<!-- NAME --> ... <!-- /NAME -->) when the page has them. Else, with `after`, just below that
line (an error if the page lacks it); without, before the "## Notes" heading of the hand-written
part, else at the end. One blank line follows the section."""


def put_section(output, name, section, after=None):
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    with open(output, encoding="utf-8") as f:
        page = f.read()
    if start in page and end in page:
        head, rest = page.split(start, 1)
        page = head + section + "\n" + rest.split(end, 1)[1].lstrip("\n")
    elif after is not None:
        if after not in page:
            raise SystemExit(f"bench: {output} has no '{after}' line to put the section under")
        head, tail = page.split(after, 1)
        page = head + after + "\n" + section + "\n" + tail.lstrip("\n")
    elif "\n## Notes\n" in page:
        page = page.replace("\n## Notes\n", "\n" + section + "\n## Notes\n", 1)
    else:
        page = page.rstrip("\n") + "\n\n" + section
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)
