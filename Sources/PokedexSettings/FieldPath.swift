/// A field of a decoded document as its writer names it — `sessions[1].messages[0].role`, never
/// the decoder's `Index 0` — for errors about request bodies and import files alike.
public func fieldPath(_ codingPath: [any CodingKey]) -> String {
    codingPath.reduce(into: "") { text, key in
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += (text.isEmpty ? "" : ".") + key.stringValue
        }
    }
}
