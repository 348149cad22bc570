import Foundation

/// Checks a file path given for output (`generate --out`, `plot --out`) before
/// any work is done, so that a run of minutes never ends in "cannot write":
/// the folder it names must exist and be a folder, and the path itself must
/// not be a folder. Errors name the flag and the path as given.
enum OutputPath {
    static func check(_ path: String, flag: String) throws {
        let url = URL(fileURLWithPath: path)
        if isFolder(url) { throw CLIError("\(flag) \(path): that is a folder; give a file name") }
        // The first component that is missing or is not a folder.
        var folder = URL(fileURLWithPath: "/")
        for component in url.deletingLastPathComponent().standardizedFileURL.pathComponents.dropFirst() {
            folder.appendPathComponent(component)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
                throw CLIError("\(flag) \(path): folder \(folder.path) does not exist")
            }
            guard isDirectory.boolValue else { throw CLIError("\(flag) \(path): \(folder.path) is a file, not a folder") }
        }
    }

    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
