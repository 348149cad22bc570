// libFuzzer target for the corpus reader (`make fuzz`): the tokeniser of a
// split's text file and the reader of `vocab.txt`.
//
// Any bytes must either be rejected with an error or tokenise into ids of a
// vocabulary that holds every word: tokenising again with that vocabulary
// frozen gives the same ids, and it reads back from its `vocab.txt`. Anything
// else (a trap, an out-of-bounds access found by the address sanitizer) is a
// bug.
import AWDLSTM
import Foundation
import FuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    // The bytes as a vocab.txt, and as text to tokenise with that vocabulary frozen.
    if let vocabulary = try? Vocabulary(fileData: bytes, source: "fuzz vocab.txt") {
        _ = try? Corpus.tokenize(bytes, source: "fuzz.txt", vocabulary: vocabulary)
    }
    guard let (ids, vocabulary) = try? Corpus.tokenize(bytes, source: "fuzz.txt") else { return 0 }
    precondition(ids.allSatisfy { $0 >= 0 && Int($0) < vocabulary.count }, "id outside the vocabulary")
    precondition(ids.last == vocabulary.id(Vocabulary.endOfSentence), "the text does not end with <eos>")
    let again = try! Corpus.tokenize(bytes, source: "fuzz.txt", vocabulary: vocabulary)
    precondition(again.ids == ids && again.vocabulary == vocabulary, "a frozen vocabulary tokenises differently")
    let reread = try! Vocabulary(fileData: Data(vocabulary.fileText().utf8), source: "fuzz vocab.txt")
    precondition(reread == vocabulary, "the vocabulary does not survive vocab.txt")
    return 0
}

exit(awd_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv, testOneInput))
