import Foundation

/// The spellings of long options that the authors' scripts (Python's argparse)
/// accept: underscores for hyphens (`--batch_size`) and any unambiguous prefix
/// of an option's name (`--epoch` for `--epochs`). Arguments are rewritten to
/// the command's own names before they are parsed, so that the authors'
/// command lines run unchanged.
enum OptionSpelling {
    /// `arguments` (after the subcommand) with every `--name` or `--name=value`
    /// that is not one of `names` (long names, without dashes) rewritten to the
    /// one it stands for. Unknown names are left for the parser to report; an
    /// ambiguous prefix is an error naming the candidates. Nothing after `--` changes.
    static func normalize(_ arguments: [String], names: Set<String>) throws -> [String] {
        var out: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" { out.append(argument); out.append(contentsOf: rest); break }
            guard argument.hasPrefix("--"), argument.count > 2 else { out.append(argument); continue }
            let body = argument.dropFirst(2)
            let name = body.prefix { $0 != "=" }
            let value = body.dropFirst(name.count)
            let hyphenated = name.replacingOccurrences(of: "_", with: "-")
            if names.contains(hyphenated) { out.append("--" + hyphenated + value); continue }
            let candidates = names.filter { $0.hasPrefix(hyphenated) }.sorted()
            switch candidates.count {
            case 0: out.append(argument)
            case 1: out.append("--" + candidates[0] + value)
            default:
                throw CLIError("ambiguous option --\(name): could be \(candidates.map { "--" + $0 }.joined(separator: ", "))")
            }
        }
        return out
    }

    /// The long option names of each subcommand, from the parser's own description of the tool.
    static func longNames(_ help: String) -> [String: Set<String>] {
        struct Tool: Decodable { let command: Command }
        struct Command: Decodable {
            let commandName: String
            let arguments: [Argument]?
            let subcommands: [Command]?
        }
        struct Argument: Decodable { let names: [Name]? }
        struct Name: Decodable { let kind: String; let name: String }
        guard let tool = try? JSONDecoder().decode(Tool.self, from: Data(help.utf8)) else { return [:] }
        var out: [String: Set<String>] = [:]
        for c in tool.command.subcommands ?? [] {
            out[c.commandName] = Set((c.arguments ?? []).flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map(\.name))
        }
        return out
    }
}
