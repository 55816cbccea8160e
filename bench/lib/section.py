"""Puts a bench's generated section into docs/benchmarks.md: between its own markers
(<!-- NAME --> ... <!-- /NAME -->) when the page has them, else before the "## Notes" heading of
the hand-written part, else at the end. One blank line follows the section."""


def put_section(output, name, section):
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    with open(output, encoding="utf-8") as f:
        page = f.read()
    if start in page:
        head, rest = page.split(start, 1)
        page = head + section + "\n" + rest.split(end, 1)[1].lstrip("\n")
    elif "\n## Notes\n" in page:
        page = page.replace("\n## Notes\n", "\n" + section + "\n## Notes\n", 1)
    else:
        page = page.rstrip("\n") + "\n\n" + section
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)
