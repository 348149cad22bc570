import Foundation

/// What is wrong with one entry of a hand-edited `config.json`, from the
/// decoder's error: the key, the value found there and what is allowed, worded
/// as `ConfigurationError`'s messages are (`nhid must be a whole number (got "24")`).
enum ConfigurationEntry {
    /// The keys whose values are one of a fixed list of names.
    static let choices: [String: [String]] = [
        "model": RNNType.allCases.map(\.rawValue),
        "optimizer": OptimizerKind.allCases.map(\.rawValue),
    ]

    /// One line naming the key of `error`, the value `json` holds there (as
    /// JSON) and what the key allows; nil when `error` names no key.
    static func problem(_ error: DecodingError, in json: Data) -> String? {
        switch error {
        case .keyNotFound(let key, let context):
            let name = path(context.codingPath + [key])
            if let names = choices[key.stringValue] { return "\(name) is missing (one of \(quoted(names)) is needed)" }
            return "\(name) is missing (give the run's value, such as \(example(forKey: key.stringValue) ?? "the one train wrote"))"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            guard let key = context.codingPath.last else { return nil }
            return "\(path(context.codingPath)) must be \(allowed(forKey: key.stringValue, type: type)) (got \(found(context.codingPath, in: json)))"
        case .dataCorrupted(let context):
            guard let key = context.codingPath.last else { return nil }
            // A number that does not fit the field's type: a fraction or a value beyond Int for an integer.
            let type: Any.Type? = context.debugDescription.contains("does not fit in Int") ? Int.self : nil
            return "\(path(context.codingPath)) must be \(allowed(forKey: key.stringValue, type: type)) (got \(found(context.codingPath, in: json)))"
        @unknown default:
            return nil
        }
    }

    /// The entry at fault when the decoder's error names no key (Foundation
    /// reports a fraction given for a whole number as invalid JSON): the first
    /// key, in order, whose value replaced by a new run's makes `decodes` pass.
    static func culprit(in json: Data, decodes: (Data) -> Bool) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let defaults = try? JSONFormat.encoder().encode(RunConfig(model: ModelConfig(vocabSize: 10_000), training: TrainingOptions(), data: nil)),
              let example = try? JSONSerialization.jsonObject(with: defaults) as? [String: Any] else { return nil }
        for key in object.keys.sorted() {
            guard let replacement = example[key] else { continue }
            var changed = object
            changed[key] = replacement
            guard let data = try? JSONSerialization.data(withJSONObject: changed), decodes(data) else { continue }
            let text = found([Key(key)], in: defaults)
            // Only a number outside an integer field fails where the run's whole number passes.
            let allowed = choices[key].map { "one of " + quoted($0) } ?? (Int(text) != nil ? "a whole number" : "a value like \(text)")
            return "\(key) must be \(allowed) (got \(found([Key(key)], in: json)))"
        }
        return nil
    }

    /// `batch_size`, or `data_history[0].epochs` inside a list.
    static func path(_ keys: [CodingKey]) -> String {
        keys.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    /// What the key holds, in words.
    static func allowed(forKey key: String, type: Any.Type?) -> String {
        if let names = choices[key] { return "one of " + quoted(names) }
        switch type {
        case is Int.Type, is UInt64.Type, is Int64.Type, is UInt32.Type: return "a whole number"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case .some(let type) where "\(type)".hasPrefix("Array"): return "a list"
        case .some(let type) where "\(type)".hasPrefix("Dictionary"): return "an object"
        default: return "a value of the right kind (see README.md, \"The run folder\")"
        }
    }

    /// `"LSTM", "QRNN"`.
    static func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }

    /// The value a new run writes for `key` (the authors' defaults), as JSON text.
    static func example(forKey key: String) -> String? {
        let defaults = RunConfig(model: ModelConfig(vocabSize: 10_000), training: TrainingOptions(), data: nil)
        guard let data = try? JSONFormat.encoder().encode(defaults),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object[key] != nil else { return nil }
        return found([Key(key)], in: data)
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The JSON text at `keys` in `json`, or `null` when there is none.
    static func found(_ keys: [CodingKey], in json: Data) -> String {
        var value: Any? = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        for key in keys {
            if let index = key.intValue { value = (value as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
            else { value = (value as? [String: Any])?[key.stringValue] }
        }
        guard let value, !(value is NSNull) else { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            return text.count > 60 ? String(text.prefix(57)) + "..." : text
        }
        return "\(value)"
    }
}
