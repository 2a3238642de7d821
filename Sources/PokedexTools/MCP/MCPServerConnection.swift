import AsyncHTTPClient
import Foundation
import Logging
import MCP
import PokedexHTTP
import PokedexRecovery
import Synchronization

/// One configured MCP server (``MCPServerDefinition``): the connection to it (the official Swift
/// SDK's client), and the tools it offers now.
///
/// It connects when first needed, so a server that is down at start-up costs nothing but its
/// tools' absence, and connects again after it failed; its tool list is read at every connection
/// and again when the server says it changed (`notifications/tools/list_changed`). Connecting and
/// calling go through recovery under the server's own service (`mcp_NAME`: its policy, its
/// breaker): a server that is down, slow or answers garbage costs the user its fallback text, its
/// tools leave the model's list while its breaker is open, and no connection is tried then — the
/// first question after the cool-down is the probe that brings them back.
public actor MCPServerConnection: ToolSource {
    public nonisolated let definition: MCPServerDefinition
    private let recovery: Recovery
    private let desk: MCPActionDesk
    private let http: HTTPClient
    private let logger: Logger
    private var client: Client?
    /// The client still in its handshake, and the task that waits for it.
    private var handshaking: Client?
    private var connecting: Task<Client, Error>?
    /// Counts connections, so that news about an old one (its exit) is not taken for the current's.
    private var generation = 0
    private let state = Mutex(State())

    private struct State {
        var tools: [any Tool] = []
        var connected = false
        /// The server said its tools changed (or none were read yet on this connection).
        var stale = true
        var lastError: String?
        var notOffered: [String: String] = [:]
    }

    /// An MCP server's recovery defaults: the standard policy with 30 s per attempt, since a
    /// server started on demand (an interpreter, `uvx` fetching a package) may take a while to
    /// answer its handshake, and lookups behind it often take seconds.
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 2, initialDelay: .seconds(1), backoff: 2.0, timeout: .seconds(30)))

    /// The largest result text passed on; a larger one is cut, with a note.
    static let resultLimit = 64 << 10

    public init(
        _ definition: MCPServerDefinition, recovery: Recovery, desk: MCPActionDesk, http: HTTPClient = .services,
        logger: Logger
    ) {
        self.definition = definition
        self.recovery = recovery
        self.desk = desk
        self.http = http
        self.logger = logger
    }

    public nonisolated var tools: [any Tool] { state.withLock { $0.tools } }

    /// What `status`, `pokedex mcp tools` and the status page show.
    public nonisolated var status: MCPServerStatus {
        state.withLock { state in
            MCPServerStatus(
                name: definition.name, location: definition.location, connected: state.connected,
                tools: state.tools.map { ($0.name.rawValue, $0.effect) }, notOffered: state.notOffered,
                lastError: state.lastError)
        }
    }

    public func refresh() async {
        // Connected with a current list: nothing to do. Disconnected but its tools known: the next
        // call of one connects (a server that is down costs only the questions that need it).
        if state.withLock({ $0.connected ? !$0.stale : !$0.tools.isEmpty }) { return }
        // While its breaker is open nothing is tried; recovery admits the probe after the cool-down.
        guard recovery.isAvailable(definition.service) else { return }
        let outcome = await recovery.call(definition.service) { _ in try await self.listedClient() }
        if case .failure(let reason) = outcome {
            let why =
                switch reason {
                case .failed(let failure, let attempts): "\(failure.description) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
                case .unavailable: "out of service after repeated failures"
                case .deadlineExceeded: "no time was left to connect"
                case .cancelled: "connecting was cancelled"
                }
            state.withLock { $0.lastError = why }
        }
    }

    /// Calls one of its tools (by the server's own name).
    /// - Returns: the text of its result; an error the tool itself reports is a result too (the
    ///   model and the user should read it), marked as such.
    /// - Throws: ``ServiceFailure`` when the server cannot be reached, fails or answers garbage.
    func call(_ tool: String, arguments: [String: Value]) async throws -> String {
        let client = try await listedClient()
        let generation = self.generation
        let result: CallTool.Result
        do {
            let request = try await client.send(CallTool.request(.init(name: tool, arguments: arguments)))
            result = try await withTaskCancellationHandler {
                try await request.value
            } onCancel: {
                Task { try? await client.cancelRequest(request.requestID, reason: "Pokedex stopped waiting") }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let failure as ServiceFailure {
            await lost(generation, failure.message)
            throw failure
        } catch let error as MCPError {
            switch error {
            case .invalidParams, .methodNotFound, .invalidRequest:
                throw ServiceFailure(.invalidRequest, "the MCP server \(definition.name) refused the call (\(error.code))")
            default:
                await lost(generation, "its connection failed")
                throw ServiceFailure(.connection, "the MCP server \(definition.name) did not answer (\(error.code))")
            }
        } catch {
            await lost(generation, "its answer could not be read")
            throw ServiceFailure(.invalidResponse, "the MCP server \(definition.name) answered with something unreadable")
        }
        var text = result.content.map { part -> String in
            switch part {
            case .text(let text, _, _): text
            default: "[content of another kind, not shown]"
            }
        }.joined(separator: "\n")
        if text.utf8.count > Self.resultLimit {
            text = String(decoding: text.utf8.prefix(Self.resultLimit), as: UTF8.self) + "\n[… cut: the result was too long]"
        }
        if result.isError == true { return "⚠️ The \(definition.name) server's \(tool) reported an error: \(text)" }
        return text
    }

    /// A connection whose tool list is current.
    private func listedClient() async throws -> Client {
        let client = try await connectedClient()
        if state.withLock({ $0.stale }) { try await list(client, generation: generation) }
        return client
    }

    private func connectedClient() async throws -> Client {
        if let client { return client }
        do {
            if let connecting { return try await connecting.value }
            return try await connect()
        } catch is CancellationError where Task.isCancelled {
            throw CancellationError()
        } catch let failure as ServiceFailure {
            throw failure
        } catch {
            throw ServiceFailure(.connection, "the MCP server \(definition.name) did not start its session")
        }
    }

    private func connect() async throws -> Client {
        generation += 1
        let generation = self.generation
        let client = Client(name: "pokedex", version: "1.0")
        let transport = makeTransport(generation)
        await client.onNotification(ToolListChangedNotification.self) { [weak self] _ in
            await self?.markStale(generation)
        }
        let task = Task { () throws -> Client in
            _ = try await client.connect(transport: transport)
            return client
        }
        connecting = task
        handshaking = client
        defer {
            connecting = nil
            handshaking = nil
        }
        do {
            // A server that never answers is given up when recovery's time limit cancels this:
            // disconnecting fails the waiting handshake.
            let connected = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                Task { await client.disconnect() }
            }
            if generation == self.generation {
                self.client = connected
                state.withLock {
                    $0.connected = true
                    $0.stale = true
                }
            }
            logger.info("connected to the MCP server \(definition.name)")
            return connected
        } catch {
            await client.disconnect()
            await transport.disconnect()
            throw error
        }
    }

    private func makeTransport(_ generation: Int) -> any Transport {
        // The SDK's own log lines are for its developers; what an operator needs is logged here.
        var quiet = logger
        quiet.logLevel = .critical
        if !definition.url.isEmpty {
            return StreamableHTTPTransport(
                url: definition.url, tokenFile: definition.tokenFile.isEmpty ? nil : definition.tokenFile, http: http,
                logger: quiet)
        }
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
        return ProcessTransport(
            program: definition.command, arguments: definition.arguments,
            environment: inherited.merging(definition.environment) { $1 }, logger: quiet
        ) { [weak self] in
            Task { await self?.lost(generation, "the server exited") }
        }
    }

    /// Reads its tools (every page) and makes those admitted.
    private func list(_ client: Client, generation: Int) async throws {
        var listed: [MCP.Tool] = []
        var cursor: String?
        do {
            for _ in 0..<20 {
                let page = try await client.listTools(cursor: cursor)
                listed += page.tools
                cursor = page.nextCursor
                if cursor == nil { break }
            }
        } catch let failure as ServiceFailure {
            await lost(generation, failure.message)
            throw failure
        } catch {
            await lost(generation, "it did not list its tools")
            throw ServiceFailure(.invalidResponse, "the MCP server \(definition.name) did not list its tools")
        }
        var made: [any Tool] = []
        var notOffered: [String: String] = [:]
        for tool in listed {
            guard definition.admits(tool.name) else {
                notOffered[tool.name] = "left out by allow/deny"
                continue
            }
            guard let parameters = MCPServerTool.parameters(tool.inputSchema) else {
                notOffered[tool.name] = "its parameters are not strings, numbers or booleans"
                continue
            }
            let made1 = MCPServerTool(tool, parameters: parameters, server: self, desk: desk, recovery: recovery)
            if made1.effect == .destructive && !desk.hasResponders {
                notOffered[tool.name] = "it is not read-only and mcp.responders is empty"
                continue
            }
            made.append(made1)
        }
        guard generation == self.generation else { return }
        let names = made.map(\.name.rawValue)
        let previous = state.withLock { state in
            defer {
                state.tools = made
                state.notOffered = notOffered
                state.stale = false
                state.lastError = nil
            }
            return state.tools.map(\.name.rawValue)
        }
        if names != previous {
            logger.notice(
                "the MCP server \(definition.name) offers \(names.isEmpty ? "no tools" : names.joined(separator: ", "))")
        }
    }

    /// Ends the connection (its program is stopped); the next need connects again.
    public func disconnect() async {
        await lost(generation, "Pokedex disconnected", level: .info)
    }

    private func markStale(_ generation: Int) {
        guard generation == self.generation else { return }
        state.withLock { $0.stale = true }
    }

    /// The connection failed or the server exited: what waited on it fails now, and the next
    /// need connects again.
    private func lost(_ generation: Int, _ why: String, level: Logger.Level = .warning) async {
        guard generation == self.generation, let client = client ?? handshaking else { return }
        self.client = nil
        handshaking = nil
        state.withLock {
            $0.connected = false
            $0.lastError = why
        }
        logger.log(level: level, "lost the MCP server \(definition.name): \(why)")
        await client.disconnect()
    }
}

/// An MCP server as `status` shows it.
public struct MCPServerStatus: Sendable {
    public var name: String
    /// Its command or URL.
    public var location: String
    public var connected: Bool
    /// Its tools as Pokedex offers them, and whether each acts.
    public var tools: [(name: String, effect: ToolEffect)]
    /// Its tools that are not offered, and why.
    public var notOffered: [String: String]
    public var lastError: String?
}

extension MCPServerStatus {
    /// One line for `status`: whether it is connected and what it offers, or why not.
    public var summary: String {
        if connected {
            let count = tools.count
            return "connected, \(count) tool\(count == 1 ? "" : "s") (\(location))"
        }
        return "not connected\(lastError.map { ": \($0)" } ?? "") (\(location))"
    }
}

extension ToolRegistry {
    /// The configured MCP servers.
    public var mcpServers: [MCPServerConnection] { sources.compactMap { $0 as? MCPServerConnection } }
}
