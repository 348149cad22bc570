import Foundation

/// Checks a path given for output before any work is done, so that a run of
/// minutes never ends in "cannot write": a file (`generate --out`, `plot
/// --out`) needs an existing folder and must not name a folder; a run folder
/// (`train --save`, `import --save`) is created with its missing parents, so
/// only a part of the path that is a file is refused. Errors name the flag and
/// the path as given, and the part at fault.
enum OutputPath {
    static func check(_ path: String, flag: String) throws {
        if isFolder(URL(fileURLWithPath: path)) { throw CLIError("\(flag) \(path): that is a folder; give a file name") }
        try checkFolders(of: URL(fileURLWithPath: path).deletingLastPathComponent(), path: path, flag: flag, mayCreate: false)
    }

    static func checkRunFolder(_ path: String, flag: String) throws {
        try checkFolders(of: URL(fileURLWithPath: path), path: path, flag: flag, mayCreate: true)
    }

    /// Every part of `folder` is a folder (or, when `mayCreate`, missing: it is made).
    private static func checkFolders(of folder: URL, path: String, flag: String, mayCreate: Bool) throws {
        var part = URL(fileURLWithPath: "/")
        for component in folder.standardizedFileURL.pathComponents.dropFirst() {
            part.appendPathComponent(component)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: part.path, isDirectory: &isDirectory) else {
                if mayCreate { return }
                throw CLIError("\(flag) \(path): folder \(part.path) does not exist")
            }
            guard isDirectory.boolValue else { throw CLIError("\(flag) \(path): \(part.path) is a file, not a folder") }
        }
    }

    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
