import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Open connections per client address: one client (or a flood from one address) cannot take
/// every connection. A connection beyond the cap is closed as soon as it is accepted.
final class ConnectionsPerClient: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection until it closes; false (and not counted) when over the limit.
    func admit(_ channel: any Channel) -> Bool {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let admitted = open.withLock { open in
            guard open[address, default: 0] < limit else { return false }
            open[address, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            self.open.withLock { open in
                open[address, default: 1] -= 1
                if open[address] == 0 { open[address] = nil }
            }
        }
        return true
    }
}

/// Closes a connection over its client's cap, and one that has not sent a whole request head
/// within the header timeout (a client that opens connections and trickles or sends nothing).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let perClient: ConnectionsPerClient
    private let headerTimeout: TimeAmount
    private var headerTimer: Scheduled<Void>?

    init(perClient: ConnectionsPerClient, headerTimeout: Duration) {
        self.perClient = perClient
        self.headerTimeout = TimeAmount(headerTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard perClient.admit(context.channel) else {
            context.close(promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        headerTimer = context.eventLoop.scheduleTask(in: headerTimeout) {
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            // From now on Hummingbird's idle timeout keeps the connection honest.
            headerTimer?.cancel()
            headerTimer = nil
        }
        context.fireChannelRead(data)
    }
}
