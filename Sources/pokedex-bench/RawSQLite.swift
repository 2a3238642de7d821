import Foundation
import GRDBSQLite

/// SQLite through its C API with nothing in between: the baseline the store is compared with, and
/// a fast loader for benchmark data.
final class RawSQLite {
    private var handle: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw failure("open") }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure(sql) }
    }

    func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure(sql)
        }
        return Statement(statement, owner: self)
    }

    fileprivate func failure(_ what: String) -> BenchmarkError {
        BenchmarkError("SQLite failed (\(what)): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// A prepared statement; bind, step, reset.
    final class Statement {
        private let statement: OpaquePointer
        private let owner: RawSQLite

        fileprivate init(_ statement: OpaquePointer, owner: RawSQLite) {
            self.statement = statement
            self.owner = owner
        }

        deinit { sqlite3_finalize(statement) }

        func bind(_ values: [Any]) {
            sqlite3_reset(statement)
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                switch value {
                case let number as Int64: sqlite3_bind_int64(statement, index, number)
                case let number as Int: sqlite3_bind_int64(statement, index, Int64(number))
                case let text as String:
                    sqlite3_bind_text(statement, index, text, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                case let data as Data:
                    _ = data.withUnsafeBytes { bytes in
                        sqlite3_bind_blob(
                            statement, index, bytes.baseAddress, Int32(bytes.count),
                            unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                    }
                default: sqlite3_bind_null(statement, index)
                }
            }
        }

        /// Runs the statement to completion; returns how many rows it produced.
        @discardableResult
        func run(_ values: [Any] = []) throws -> Int {
            bind(values)
            var rows = 0
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_ROW {
                    rows += 1
                    // Touch the content like a real reader would.
                    _ = sqlite3_column_blob(statement, 0)
                    continue
                }
                if code == SQLITE_DONE { return rows }
                throw owner.failure("step")
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
