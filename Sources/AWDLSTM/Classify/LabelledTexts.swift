import Foundation
import SwiftCSV

/// Raw labelled texts for a classifier, read as fastai's `TextDataLoaders`
/// reads them: a folder per class (`from_folder`: `train/pos/*.txt`,
/// `train/neg/*.txt`, and `valid/…` when given) or a CSV file with a text and a
/// label column (`from_csv`). Classes are sorted by name, as fastai's
/// `CategoryBlock` vocabulary is.
public struct LabelledTexts: Sendable {
    /// One text and its label.
    public struct Item: Sendable, Equatable {
        public var text: String
        public var label: String
        /// Where it came from (a file, or a CSV file and row), for messages.
        public var source: String
    }

    public var items: [Item]

    public init(items: [Item]) { self.items = items }

    /// The sorted distinct labels.
    public var classes: [String] { Array(Set(items.map(\.label))).sorted() }

    /// An error reading labelled texts, each a one-line message.
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case noClassFolders(String)
        case emptyClassFolder(String)
        case notUTF8(String)
        case csv(source: String, reason: String)
        case missingColumn(source: String, column: String, columns: [String])
        case emptyLabel(source: String)

        public var description: String {
            switch self {
            case .noClassFolders(let dir): "\(dir) holds no class folders (expected one folder per class, each with text files)"
            case .emptyClassFolder(let dir): "class folder \(dir) holds no text files"
            case .notUTF8(let file): "\(file) is not UTF-8 text"
            case .csv(let source, let reason): "\(source): \(reason)"
            case .missingColumn(let source, let column, let columns):
                "\(source) has no column '\(column)' (its columns: \(columns.joined(separator: ", ")))"
            case .emptyLabel(let source): "\(source) has an empty label"
            }
        }
    }

    /// Every regular file under each sub-folder of `folder`, labelled by the
    /// sub-folder's name. Hidden files and folders are skipped.
    public static func fromFolder(_ folder: URL) throws -> LabelledTexts {
        let fm = FileManager.default
        let classDirs = try fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isDirectoryKey], options: .skipsHiddenFiles)
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !classDirs.isEmpty else { throw LoadError.noClassFolders(folder.path) }
        var items: [Item] = []
        for dir in classDirs {
            let files = try fm.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.isRegularFileKey], options: .skipsHiddenFiles)
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            guard !files.isEmpty else { throw LoadError.emptyClassFolder(dir.path) }
            for file in files {
                guard let text = String(data: try Data(contentsOf: file), encoding: .utf8) else { throw LoadError.notUTF8(file.path) }
                items.append(Item(text: text, label: dir.lastPathComponent, source: file.path))
            }
        }
        return LabelledTexts(items: items)
    }

    /// The rows of a CSV file with a header row: the text from column
    /// `textColumn`, the label from `labelColumn` (label nil: read texts only,
    /// labelled ""). Throws `LoadError` for a missing column, an unclosed quote or
    /// a file that is not UTF-8.
    public static func fromCSV(_ url: URL, textColumn: String, labelColumn: String?) throws -> LabelledTexts {
        let source = url.path
        guard let content = String(data: try Data(contentsOf: url), encoding: .utf8) else { throw LoadError.notUTF8(source) }
        // A well-formed CSV writes a quote inside a quoted field as two, so its
        // quotes always come in pairs; an odd count is a field left open.
        if content.unicodeScalars.reduce(0, { $0 + ($1 == "\"" ? 1 : 0) }) % 2 == 1 {
            throw LoadError.csv(source: source, reason: "a quoted field is not closed (an odd number of \" characters)")
        }
        let csv: CSV<Named>
        do { csv = try CSV<Named>(string: content, delimiter: .comma, loadColumns: false) } catch {
            throw LoadError.csv(source: source, reason: "\(error)")
        }
        for column in [textColumn] + (labelColumn.map { [$0] } ?? []) where !csv.header.contains(column) {
            throw LoadError.missingColumn(source: source, column: column, columns: csv.header)
        }
        var items: [Item] = []
        for (i, row) in csv.rows.enumerated() {
            let where_ = "\(source) row \(i + 2)"
            let label = labelColumn.map { row[$0] ?? "" } ?? ""
            if labelColumn != nil && label.isEmpty { throw LoadError.emptyLabel(source: where_) }
            items.append(Item(text: row[textColumn] ?? "", label: label, source: where_))
        }
        return LabelledTexts(items: items)
    }

    /// A random `validFraction` of the items (at least one) as the validation
    /// set and the rest as the training set, drawn with `seed` (fastai's
    /// `RandomSplitter(valid_pct, seed)` draws with NumPy; the split here is
    /// seeded but not NumPy's).
    public func split(validFraction: Double, seed: UInt64) -> (train: LabelledTexts, valid: LabelledTexts) {
        var rng = RandomSource(seed: seed)
        let order = Array(items.indices).shuffled(using: &rng)
        let n = min(items.count - 1, max(1, Int((Double(items.count) * validFraction).rounded())))
        let valid = Set(order.prefix(n))
        return (LabelledTexts(items: items.indices.filter { !valid.contains($0) }.map { items[$0] }),
                LabelledTexts(items: order.prefix(n).sorted().map { items[$0] }))
    }
}
