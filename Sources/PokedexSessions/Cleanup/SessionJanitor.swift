import Logging
import ServiceLifecycle

/// Runs ``SessionStore/cleanup()`` every `sessions.cleanup_interval` in the background, as a
/// ServiceLifecycle service: it stops when the service group shuts down. A failed cleanup is logged
/// and tried again at the next tick; it never stops the server.
public struct SessionJanitor: Service, CustomStringConvertible {
    /// ServiceLifecycle logs services by their description: a name, never the store's settings.
    public var description: String { "SessionJanitor" }

    private let store: any SessionStore
    private let interval: Duration
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let onCleanup: @Sendable (Result<Int, any Error>) -> Void

    /// - Parameters:
    ///   - store: the store to clean.
    ///   - interval: time between cleanups; defaults to the store's `sessions.cleanup_interval`.
    ///   - clock: the clock it waits on (a test clock in tests).
    ///   - logger: where each run is reported.
    ///   - onCleanup: told the outcome of each run (for metrics and tests).
    public init(
        store: any SessionStore, interval: Duration? = nil, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "pokedex.sessions.janitor"),
        onCleanup: @escaping @Sendable (Result<Int, any Error>) -> Void = { _ in }
    ) {
        self.store = store
        self.interval = interval ?? store.configuration.cleanupInterval
        self.clock = clock
        self.logger = logger
        self.onCleanup = onCleanup
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await clock.sleep(for: interval)
                await runOnce()
            }
        }
    }

    /// One cleanup, logged and reported.
    func runOnce() async {
        do {
            let removed = try await store.cleanup()
            if removed > 0 {
                logger.info("Session cleanup removed expired messages", metadata: ["removed": "\(removed)"])
            }
            onCleanup(.success(removed))
        } catch {
            logger.error("Session cleanup failed; will retry", metadata: ["error": "\(error)"])
            onCleanup(.failure(error))
        }
    }
}
