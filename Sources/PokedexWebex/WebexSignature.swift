import Crypto
import Foundation

/// `X-Spark-Signature`: the lowercase hex HMAC-SHA1 of the raw request body, keyed by the webhook's
/// secret. Checked on the bytes as received, before any JSON is read, in constant time.
public enum WebexSignature {
    public static func sign(_ body: Data, secret: String) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    public static func isValid(_ body: Data, signature: String?, secret: String) -> Bool {
        guard let signature, !secret.isEmpty,
            let given = Data(hex: signature.lowercased().trimmingCharacters(in: .whitespaces))
        else { return false }
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(
            given, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }
}

extension Data {
    /// Bytes from hex text; nil when it is not hex.
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
