#!/usr/bin/env python3
"""Writes the small hand-made seeds of the fuzz corpora (run from fuzz/seeds/):
stored (uncompressed) XLSX workbooks, so the fuzzer mutates sheet XML directly, and
JSON in each accepted shape. The other seeds are copies of tests/fixtures/ and
../shared/seed-data/ (see the Makefile's fuzz-seed target)."""
import json, os, zipfile

CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets>{sheets}</sheets></workbook>"""
WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows, shared):
    out = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif isinstance(v, tuple):  # (formula, cached)
                cells.append(f'<c r="{ref}"><f>{v[0]}</f><v>{v[1]}</v></c>')
            elif r % 2:
                if v not in shared:
                    shared.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{shared.index(v)}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(out) + "</sheetData></worksheet>")


def workbook(path, sheets, date1904=False):
    shared = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", CT.format(sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))))
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB.format(
            pr='<workbookPr date1904="1"/>' if date1904 else "",
            sheets="".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, (n, _) in enumerate(sheets, 1))))
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS.format(rels="".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1))))
        for i, (_, rows) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(rows, shared))
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")


CAMPAIGNS = [
    ["Campaign report"],
    ["tenant_id", "campaign_id", "campaign_name", "date", "impressions", "clicks", "conversions", "spend", "revenue", "channel", "region", "product"],
    ["t1", "c1", "Spring", 45600, 1000, 50, 5, 10.5, 25, "Search", "North", "Product A"],
    ["t2", "c2", "=cmd", "2024-11-02", 200, 300, 1, ("H4*2", 4), -3, "Email", "South", "Product B"],
    ["t1", "c3", None, "11/03/2024", "n/a", 1, 0, 0, 0, None, None, None],
]
TARGETS = [
    ["tenant_id", "region", "product", "month", "year", "target_revenue", "target_conversions", "target_spend"],
    ["t1", "North", "Product A", 11, 2024, 1000, 10, 400],
    ["t2", "South", "Product B", "12", 2024, 2000.5, 20, 800],
    ["t2", "South", "Product B", 13, 2024, -1, 20, 800],
]
CUSTOMERS = [
    {"tenant_id": "t1", "customer_id": "k1", "customer_name": "Ann", "region": "North", "product_preference": "Product A", "total_spent": 12.50, "total_orders": 2},
    {"tenant_id": "t2", "customer_id": "k2", "customer_name": "<b>Bo</b>", "region": None, "product_preference": "Product B", "total_spent": "7", "total_orders": 1, "extra": [1, {"a": 2}]},
]

os.makedirs("xlsx", exist_ok=True)
os.makedirs("json", exist_ok=True)
workbook("xlsx/campaigns_stored.xlsx", [("Campaigns", CAMPAIGNS)])
workbook("xlsx/two_sheets_1904.xlsx", [("Targets", TARGETS), ("Notes", [["just", "notes"]]), ("More targets", TARGETS[:2])], date1904=True)
workbook("xlsx/no_match.xlsx", [("Sheet1", [["a", "b"], [1, 2]])])
with open("json/array.json", "w") as f:
    json.dump(CUSTOMERS, f)
with open("json/paged.json", "w") as f:
    json.dump({"page": 1, "data": CUSTOMERS}, f)
with open("json/lines.json", "w") as f:
    f.write("\n".join(json.dumps(c) for c in CUSTOMERS) + "\n[1]\n{bad\n")
with open("json/campaigns.json", "w") as f:
    json.dump([dict(zip(CAMPAIGNS[1], [v if not isinstance(v, tuple) else v[1] for v in row])) for row in CAMPAIGNS[2:]], f)


# Delimited files for csv_parallel: a few KB each, so a run of plain lines splits into
# several pieces, with what the split must not change: quoted newlines between plain
# runs, CRLF and a BOM, slash dates decided by a late row, keys repeated across pieces
# (last wins), rejected rows, extra columns, and the targets and customers tables.
os.makedirs("csv", exist_ok=True)


def campaign_rows(n, date, names=lambda i: f"Camp {i} - Search", money=lambda v: f"{v:.2f}"):
    rows = []
    for i in range(n):
        rows.append([f"t{i % 3}", f"c{i % 17:02}", names(i), date(i), str(900 + 37 * i),
                     str(30 + i % 11), str(i % 5), money(10 + i * 1.25), money(20 + i * 2.5),
                     ["North", "South", "East", "West"][i % 4], f"Product {'ABCD'[i % 4]}"])
    return rows


def write_csv(path, header, rows, sep=",", eol="\n", bom=False):
    with open(path, "w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        f.write(sep.join(header) + eol)
        for row in rows:
            f.write(sep.join(row) + eol)


HEADER = ["tenant_id", "campaign_id", "campaign_name", "date", "impressions", "clicks",
          "conversions", "spend", "revenue", "region", "product"]

# CRLF, BOM, a quoted CRLF inside a name every 9th row, a row with a bad number, the last
# rows repeating the first rows' keys with new values.
rows = campaign_rows(48, lambda i: f"2024-10-{1 + i % 28:02}",
                     names=lambda i: f'"Two\r\nlines {i} - Video"' if i % 9 == 4 else f"Camp {i} - Search")
rows[20][5] = "12x"
rows += [r[:4] + ["1", "1", "1", "1.00", "2.00"] + r[9:] for r in campaign_rows(6, lambda i: f"2024-10-{1 + i % 28:02}")]
write_csv("csv/crlf_bom_quoted_dupes.csv", HEADER, rows, eol="\r\n", bom=True)

# Slash dates, all ambiguous (month/day) but the 40th row's (day/month decides the column),
# and an extra column.
rows = campaign_rows(45, lambda i: f"{1 + i % 12:02}/{1 + i % 12:02}/2024" if i != 39 else "25/03/2024")
for i, r in enumerate(rows):
    r.append(f"note {i}")
write_csv("csv/slash_dates_decided_late.csv", HEADER + ["notes"], rows)

# Semicolons with decimal commas and currency, slash dates that stay month/day, and a
# quoted semicolon every 13th row.
rows = campaign_rows(40, lambda i: f"{1 + i % 12}/{1 + i % 9}/2024",
                     names=lambda i: f'"A;B {i} - Social"' if i % 13 == 6 else f"Camp {i} - Social",
                     money=lambda v: f"€ {v:.2f}".replace(".", ","))
write_csv("csv/semicolon_decimal_comma.csv", HEADER, rows, sep=";")

# Lone CR line ends, a preamble before the header, a short row and a long row.
rows = campaign_rows(36, lambda i: f"2024-11-{1 + i % 30:02}")
rows[7] = rows[7][:6]
rows[30] = rows[30] + ["extra", "fields"]
with open("csv/cr_preamble_ragged.csv", "w", encoding="utf-8", newline="") as f:
    f.write("Campaign export\rAccounts: all\r")
    f.write(",".join(HEADER) + "\r")
    for r in rows:
        f.write(",".join(r) + "\r")

# Sales targets with repeated keys far apart, and customers (repeated keys, CRLF, a
# quoted comma every 20th row).
rows = [[f"t{i % 2}", ["North", "South", "East"][i % 3], f"Product {'AB'[i % 2]}", "2024",
         str(1 + i % 12), f"{1000 + i * 10}", str(10 + i), f"{400 + i * 3}.50"] for i in range(60)]
write_csv("csv/targets_repeated_keys.csv",
          ["tenant_id", "region", "product", "year", "month", "target_revenue",
           "target_conversions", "target_spend"], rows)
rows = [[f"t{i % 3}", f"cust{i % 30:03}", f'"Name, {i}"' if i % 20 == 3 else f"Name {i}", ["North", "South"][i % 2],
         f"Product {'ABC'[i % 3]}", f"{100 + i}.25", str(1 + i % 9)] for i in range(70)]
write_csv("csv/customers_crlf.csv",
          ["tenant_id", "customer_id", "customer_name", "region", "product_preference",
           "total_spent", "total_orders"], rows, eol="\r\n")
