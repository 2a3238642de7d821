import Foundation
import PokedexSettings

#if canImport(Glibc)
    import Glibc
#endif

/// Sends arbitrary bytes to a loopback port and reads what comes back: for tests that must send
/// what no well-behaved HTTP client would (garbage, broken framing, invalid UTF-8, huge headers).
public enum RawHTTPClient {
    /// ``status(port:sending:timeout:)`` on a thread of its own: the blocking socket calls never
    /// hold one of the few threads every task of the test run shares (a slow server under load
    /// otherwise stalls unrelated tests for seconds).
    public static func status(port: Int, sending bytes: [UInt8], timeout: Duration = .seconds(5)) async -> Int? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingStatus(port: port, sending: bytes, timeout: timeout))
            }
        }
    }

    /// - Returns: the response's status code, or nil when the server closed without answering.
    public static func blockingStatus(port: Int, sending bytes: [UInt8], timeout: Duration = .seconds(5)) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { break }  // the server may close early on garbage; read what it said
            offset += sent
        }
        shutdown(fd, Int32(SHUT_WR))
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while response.count < 64 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1."), text.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
