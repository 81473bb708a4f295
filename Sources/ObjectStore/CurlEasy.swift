internal import CCurl
import Digest
import Foundation

/// Owns one libcurl easy handle (freed on deinit) and the header list it uses; every option and
/// call goes through here, and every return code is checked in `check`. Not thread-safe: one
/// transfer thread owns each handle, which also keeps that thread's connections alive between
/// requests.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// curl's error buffer; it lives as long as the handle, since curl may write to it at any time.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        try CurlGlobal.initializeOnce()
        guard let handle = curl_easy_init() else {
            throw ObjectStoreError(code: .transportFailure, message: "curl_easy_init failed")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Clears the options of the last request (live connections and caches stay) and points curl
    /// at the handle's error buffer again.
    func reset() throws {
        curl_easy_reset(handle)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        errorBuffer[0] = 0
        try setOption(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    func setOption(_ option: CURLoption, _ value: Int) throws {
        try check(stevedore_curl_setopt_long(handle, option, value), "setopt \(option.rawValue)")
    }

    func setOption(_ option: CURLoption, _ value: String) throws {
        // libcurl copies string options (since 7.17), so the pointer need not outlive the call.
        try check(stevedore_curl_setopt_string(handle, option, value), "setopt \(option.rawValue)")
    }

    func setOption(_ option: CURLoption, offset value: Int64) throws {
        try check(stevedore_curl_setopt_offset(handle, option, curl_off_t(value)), "setopt \(option.rawValue)")
    }

    func setOption(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(stevedore_curl_setopt_pointer(handle, option, value), "setopt \(option.rawValue)")
    }

    func setCallback(_ option: CURLoption, _ callback: stevedore_curl_data_callback) throws {
        try check(stevedore_curl_setopt_callback(handle, option, callback), "setopt \(option.rawValue)")
    }

    func setProgressCallback(_ callback: stevedore_curl_progress_callback) throws {
        try check(stevedore_curl_setopt_progress(handle, callback), "setopt XFERINFOFUNCTION")
    }

    /// Sets the request headers; the list lives as long as the handle or until the next `reset`.
    func setHeaders(_ lines: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw ObjectStoreError(code: .transportFailure, message: "curl_slist_append failed")
            }
            list = appended
        }
        if let headerList { curl_slist_free_all(headerList) }
        headerList = list
        try check(stevedore_curl_setopt_headers(handle, list), "setopt HTTPHEADER")
    }

    /// Runs the transfer; a failure carries curl's code and the detail from its error buffer.
    func perform() throws {
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let summary = String(cString: curl_easy_strerror(code))
            throw ObjectStoreError(
                code: .transportFailure, message: detail.isEmpty ? summary : "\(summary): \(detail)",
                curlCode: Int(code.rawValue))
        }
    }

    var responseCode: Int {
        var code = 0
        guard stevedore_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK else { return 0 }
        return code
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw ObjectStoreError(
                code: .transportFailure,
                message: "curl \(what): \(String(cString: curl_easy_strerror(code)))",
                curlCode: Int(code.rawValue))
        }
    }
}

/// `curl_global_init` must run once, before any other thread uses libcurl.
enum CurlGlobal {
    private static let result: CURLcode = {
        // curl initializes OpenSSL: libcrypto must be set up without its exit handler first.
        CryptoRuntime.prepare()
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    static func initializeOnce() throws {
        guard result == CURLE_OK else {
            throw ObjectStoreError(
                code: .transportFailure,
                message: "curl_global_init failed: \(String(cString: curl_easy_strerror(result)))",
                curlCode: Int(result.rawValue))
        }
    }
}
