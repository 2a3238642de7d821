/// How a tool's self-test ended, in words for `status` and `run health tests`.
public struct SelfTest: Sendable, Equatable {
    public var passed: Bool
    public var detail: String
    /// What `status` says beside a passed test (how the tool works now, when that can change).
    public var remark: String?

    public init(passed: Bool, detail: String, remark: String? = nil) {
        self.passed = passed
        self.detail = detail
        self.remark = remark
    }

    /// Runs `body`; a thrown error is a failed test described by the error.
    public static func run(_ passed: String, _ body: () async throws -> Void) async -> SelfTest {
        do {
            try await body()
            return SelfTest(passed: true, detail: passed)
        } catch {
            return SelfTest(passed: false, detail: "\(error)")
        }
    }
}
