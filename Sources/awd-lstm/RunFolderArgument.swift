import AWDLSTM
import Foundation

/// The run folder a command reads, named by `flag` (`--checkpoint`, or the authors'
/// `--save`, `--model`): it must exist and be a folder. The authors' scripts take a
/// `model.pt` file there; here `train --save model.pt` wrote a folder of that name,
/// and a PyTorch `.pt` file itself is refused with the way to bring it in.
func runFolder(_ path: String, flag: String) throws -> RunFolder {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CLIError("\(flag) \(path): no such run folder")
    }
    guard isDirectory.boolValue else {
        let pytorch = path.hasSuffix(".pt")
            ? " (a PyTorch .pt file cannot be read: save its state_dict as safetensors and bring it in with `awd-lstm import`)" : ""
        throw CLIError("\(flag) \(path): a file, not a run folder\(pytorch)")
    }
    return RunFolder(URL(fileURLWithPath: path))
}

/// Says, for a run folder that a command writes and that is named like the
/// authors' `.pt` file (`--save PTB.pt`), that the name is a folder's.
func noteFolderNamedPt(_ path: String, flag: String) {
    guard path.hasSuffix(".pt") else { return }
    logLine("\(flag) \(path): writing the run folder \(path)/ (model.safetensors, config.json, vocab.txt, ...), not one .pt file")
}
