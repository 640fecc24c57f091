"""Checks pages of the portal: each parses as HTML5 without a single parse error (html5lib, strict), and every
form control a person fills in has a <label for> naming it. Prints one line per problem; exits 1 if any."""
import sys
import html5lib

problems = []
for path in sys.argv[1:]:
    with open(path, "rb") as file:
        text = file.read()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        document = parser.parse(text)
    except Exception as error:  # html5lib raises ParseError on the first error in strict mode
        problems.append(f"{path}: not valid HTML5: {error}")
        continue
    labels = {label.get("for") for label in document.iter("label")}
    for control in list(document.iter("input")) + list(document.iter("select")) + list(document.iter("textarea")):
        if control.get("type") in ("hidden", "submit", "button"):
            continue
        if not control.get("id") or control.get("id") not in labels:
            problems.append(f"{path}: the control {control.get('name')!r} has no label")
    if document.find(".//html") is None and document.tag != "html":
        problems.append(f"{path}: no html element")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
