import ArgumentParser
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
        /// For each value-taking option with several long names (`--checkpoint`
        /// and the authors' `--save`), every one of those names mapped to the first.
        var aliasOf: [String: String] = [:]
    }

    /// `arguments` (after the subcommand) with every `--name` or `--name=value`
    /// that is not one of `names` rewritten to the one it stands for, and
    /// `--name -N` (a value-taking option, then a negative number) joined as
    /// `--name=-N`. Unknown names are left for the parser to report; an
    /// ambiguous prefix is an error naming the candidates. Nothing after `--` changes.
    ///
    /// One option given through two of its names with different values
    /// (`--checkpoint A --save B`) is an error naming both; the parser would keep
    /// the last silently. One name repeated keeps argparse's rule: the last wins.
    static func normalize(_ arguments: [String], names: Names) throws -> [String] {
        var out: [String] = []
        var rest = arguments[...]
        // The last value given through each name of an aliased option, by the option's first name.
        var aliasValues: [String: [(spelling: String, canonical: String, value: String)]] = [:]
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
            if let option = names.aliasOf[canonical], let given = value.isEmpty ? rest.first : String(value.dropFirst()) {
                aliasValues[option, default: []].removeAll { $0.canonical == canonical }
                aliasValues[option, default: []].append(("--" + name, canonical, given))
            }
        }
        for given in aliasValues.values.sorted(by: { $0[0].spelling < $1[0].spelling }) where given.count > 1 {
            let (a, b) = (given[0], given[1])
            if a.value != b.value {
                throw CLIError("\(a.spelling) \(a.value) and \(b.spelling) \(b.value) are two names of one option with different values; give one")
            }
        }
        return out
    }

    /// Whether normalized `arguments` hold `--version` as an option of its own
    /// (not the value of the option before it, nor after `--`).
    static func asksForVersion(_ arguments: ArraySlice<String>, names: Names) -> Bool {
        var previous: String?
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "--version", !(previous.map { names.takingValues.contains(String($0.dropFirst(2))) } ?? false) { return true }
            previous = argument
        }
        return false
    }

    /// `-1`, `-0.5`, `-1e-3`, `-inf`: what argparse reads as a value rather than an option.
    static func isNegativeNumber(_ argument: String) -> Bool {
        argument.hasPrefix("-") && Double(argument) != nil
    }

    /// The long option names of `command`, read from its help screen
    /// (ArgumentParser's public `helpMessage`, hidden options included, one
    /// option per line), so that no unstable interface of the parser is used:
    /// every line indented by two spaces that starts with a dash names one
    /// option, `--checkpoint, --save <checkpoint>`, which takes a value when a
    /// `<value>` follows its names.
    static func longNames(of command: ParsableCommand.Type) -> Names {
        longNames(help: command.helpMessage(includeHidden: true, columns: 100_000))
    }

    /// The long names listed in a help screen `help` (see `longNames(of:)`).
    static func longNames(help: String) -> Names {
        var names = Names(all: [])
        for line in help.split(separator: "\n", omittingEmptySubsequences: true) {
            // Option lines are indented by exactly two spaces; their descriptions
            // (and the continuation lines of long ones) by more.
            guard line.hasPrefix("  -"), !line.hasPrefix("   ") else { continue }
            // The synopsis is the names, comma-separated, then the value's
            // `<name>` (and `...` for a repeated one); the description follows,
            // after at least one space.
            var spellings: [String] = []
            var takesValue = false
            for word in line.split(separator: " ") {
                if !takesValue, word.hasPrefix("-") {
                    let name = word.hasSuffix(",") ? word.dropLast() : word
                    // An inverted flag lists both of its names: `--x/--no-x`.
                    for part in name.split(separator: "/") where part.hasPrefix("--") && part.count > 2 {
                        spellings.append(String(part.dropFirst(2)))
                    }
                } else if word.hasPrefix("<") {
                    takesValue = true
                } else if word != "..." {
                    break
                }
            }
            names.all.formUnion(spellings)
            if takesValue {
                names.takingValues.formUnion(spellings)
                if spellings.count > 1 { for s in spellings { names.aliasOf[s] = spellings[0] } }
            }
        }
        return names
    }
}
