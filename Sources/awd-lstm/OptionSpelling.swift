import Foundation

/// The spellings of long options that the authors' scripts (Python's argparse)
/// accept: underscores for hyphens (`--batch_size`) and any unambiguous prefix
/// of an option's name (`--epoch` for `--epochs`). Arguments are rewritten to
/// the command's own names before they are parsed, so that the authors'
/// command lines run unchanged.
///
/// A negative number after an option that takes a value is that value, as
/// argparse takes it (`--temperature -1`, `--theta -2.5`), so that it reaches
/// the command's own check instead of being read as an unknown option `-1`.
enum OptionSpelling {
    /// The long names (without dashes) of a command's options and flags, and
    /// those of them that take a value.
    struct Names {
        var all: Set<String>
        var takingValues: Set<String> = []
    }

    /// `arguments` (after the subcommand) with every `--name` or `--name=value`
    /// that is not one of `names` rewritten to the one it stands for, and
    /// `--name -N` (a value-taking option, then a negative number) joined as
    /// `--name=-N`. Unknown names are left for the parser to report; an
    /// ambiguous prefix is an error naming the candidates. Nothing after `--` changes.
    static func normalize(_ arguments: [String], names: Names) throws -> [String] {
        var out: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" { out.append(argument); out.append(contentsOf: rest); break }
            guard argument.hasPrefix("--"), argument.count > 2 else { out.append(argument); continue }
            let body = argument.dropFirst(2)
            let name = body.prefix { $0 != "=" }
            var value = String(body.dropFirst(name.count))
            let hyphenated = name.replacingOccurrences(of: "_", with: "-")
            let canonical: String
            if names.all.contains(hyphenated) {
                canonical = hyphenated
            } else {
                let candidates = names.all.filter { $0.hasPrefix(hyphenated) }.sorted()
                switch candidates.count {
                case 0: out.append(argument); continue
                case 1: canonical = candidates[0]
                default:
                    throw CLIError("ambiguous option --\(name): could be \(candidates.map { "--" + $0 }.joined(separator: ", "))")
                }
            }
            if value.isEmpty, names.takingValues.contains(canonical), let next = rest.first, isNegativeNumber(next) {
                value = "=" + next
                rest = rest.dropFirst()
            }
            out.append("--" + canonical + value)
        }
        return out
    }

    /// `-1`, `-0.5`, `-1e-3`, `-inf`: what argparse reads as a value rather than an option.
    static func isNegativeNumber(_ argument: String) -> Bool {
        argument.hasPrefix("-") && Double(argument) != nil
    }

    /// The long option names of each subcommand, from the parser's own description of the tool.
    static func longNames(_ help: String) -> [String: Names] {
        struct Tool: Decodable { let command: Command }
        struct Command: Decodable {
            let commandName: String
            let arguments: [Argument]?
            let subcommands: [Command]?
        }
        struct Argument: Decodable { let kind: String; let names: [Name]? }
        struct Name: Decodable { let kind: String; let name: String }
        guard let tool = try? JSONDecoder().decode(Tool.self, from: Data(help.utf8)) else { return [:] }
        var out: [String: Names] = [:]
        for c in tool.command.subcommands ?? [] {
            func long(_ arguments: [Argument]) -> Set<String> {
                Set(arguments.flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map(\.name))
            }
            let arguments = c.arguments ?? []
            out[c.commandName] = Names(all: long(arguments), takingValues: long(arguments.filter { $0.kind == "option" }))
        }
        return out
    }
}
