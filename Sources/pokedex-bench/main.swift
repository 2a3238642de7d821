import GRDBSQLite
print("hi")
