import os

os.makedirs("in", exist_ok=True)
size = 10 * 1024 * 1024
with open("in/big.csv", "w") as f:
    f.write("id,big\n1,small\n")
    f.write("2," + "x" * (size - 3) + "end\n")
    f.write('3,"' + "y," * (size // 2) + 'a""b"\n')
    f.write("4,last\n")
