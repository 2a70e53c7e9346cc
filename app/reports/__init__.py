"""The periodic coverage report a ward sends the city (six-monthly, yearly): XLSX for printing, and CSV.

Built only from snapshots (`app.history`), so a report for a past period reads the same whenever it is
downloaded, and names the snapshot it was built from.
"""
