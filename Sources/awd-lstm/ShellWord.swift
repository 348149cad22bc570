/// An argument of a command the tool prints for pasting (`awd-lstm train
/// --resume DIR --data DATA`), quoted for a POSIX shell when it needs it: a word
/// of letters, digits and `_@%+=:,./-` stays as it is; anything else (a space, a
/// quote, `$`, `*`, an empty word) goes between single quotes, each `'` inside
/// written `'\''`. The shell then passes the path as it is, byte for byte.
func shellWord(_ word: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
    if !word.isEmpty && word.allSatisfy(plain.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
