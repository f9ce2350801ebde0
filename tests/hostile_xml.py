"""Sheet XML pieces shared by the safety tests and the bad-input corpus: a few ordinary rows,
an entity bomb ("billion laughs") and an external entity, each as a prolog or a body."""

ROWS = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r % 2}</v></c></row>'
               for r in range(1, 7))
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{k} "{("&lol%s;" % (k - 1 if k > 1 else "")) * 10}">'
                    for k in range(1, 10)) + "]>")
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
