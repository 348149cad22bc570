import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a URL into a file through a `URLSession` download task, which
/// streams the response to disk: the archive is never held in memory. Progress
/// is reported as the bytes arrive.
enum FileDownload {
    /// Bytes received so far and the total the server announced (nil when it
    /// sent no `Content-Length`).
    typealias Progress = @Sendable (_ received: Int64, _ total: Int64?) -> Void

    /// Downloads `url` into `file` (replaced only when the whole response
    /// arrived with HTTP status 200). `timeout` is in seconds without data.
    /// Throws `CorpusError.fetchFailed` naming the URL and the network error or
    /// HTTP status, and `FileError.cannotWrite` when `file` cannot be written.
    static func fetch(_ url: URL, to file: URL, timeout: TimeInterval = 30, progress: @escaping Progress) throws {
        let delegate = Delegate(url: url, file: file, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        session.downloadTask(with: request).resume()
        delegate.done.wait()
        try delegate.result!.get()
    }

    private final class Delegate: NSObject, URLSessionDownloadDelegate, @unchecked Sendable {
        let url: URL, file: URL, progress: Progress
        let done = DispatchSemaphore(value: 0)
        /// Set once, by the delegate queue, before `done` is signalled.
        var result: Result<Void, Error>?

        init(url: URL, file: URL, progress: @escaping Progress) { (self.url, self.file, self.progress) = (url, file, progress) }

        func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64,
                        totalBytesWritten: Int64, totalBytesExpectedToWrite: Int64) {
            progress(totalBytesWritten, totalBytesExpectedToWrite > 0 ? totalBytesExpectedToWrite : nil)
        }

        func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
            if let http = downloadTask.response as? HTTPURLResponse, http.statusCode != 200 {
                result = .failure(CorpusError.fetchFailed(url: url.absoluteString, reason: "HTTP \(http.statusCode)"))
                return
            }
            // The session deletes `location` when this returns: move it now.
            let fm = FileManager.default
            try? fm.removeItem(at: file)
            do { try fm.moveItem(at: location, to: file) } catch {
                result = .failure(FileError.cannotWrite(path: file.path, step: .replace, reason: error.localizedDescription))
                return
            }
            result = .success(())
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error {
                result = .failure(CorpusError.fetchFailed(url: url.absoluteString, reason: error.localizedDescription))
            } else if result == nil {
                result = .failure(CorpusError.fetchFailed(url: url.absoluteString, reason: "no data received"))
            }
            done.signal()
        }
    }
}
