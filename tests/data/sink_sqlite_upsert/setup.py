# The existing database the pipeline upserts into (created here: a binary file).
import os
import sqlite3

os.makedirs("out", exist_ok=True)
con = sqlite3.connect("out/crm.db")
con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, note TEXT)")
con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)",
                [(1, "Ann", "FR", "kept"), (2, "Bea", "FR", "renamed"), (3, "Cid", None, None)])
con.execute("CREATE TABLE french (id INTEGER, name TEXT, country TEXT)")
con.execute("INSERT INTO french VALUES (9, 'old', 'FR')")
con.commit()
con.close()
