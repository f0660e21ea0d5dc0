# The existing database with a table that does not fit the pipeline's records.
import os
import sqlite3

os.makedirs("out", exist_ok=True)
con = sqlite3.connect("out/shop.db")
con.execute("CREATE TABLE orders (id INTEGER, amount INTEGER)")
con.execute("INSERT INTO orders VALUES (9, 100)")
con.commit()
con.close()
