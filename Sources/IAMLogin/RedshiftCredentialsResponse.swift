import Foundation
import ObjectStore
import Warehouse

/// Reads a credentials action's answer (XML from the Query API, JSON from JSON 1.1): the user,
/// password and expiration of a success, or AWS's error code, message and request id.
enum RedshiftCredentialsResponse {
    static func login(_ response: HTTPResponse, action: String) throws -> DatabaseLogin {
        guard (200..<300).contains(response.status) else { throw error(response, action: action) }
        let text = String(decoding: response.body, as: UTF8.self)
        if response.body.first == UInt8(ascii: "{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let user = object["dbUser"] as? String, let password = object["dbPassword"] as? String
            else { throw malformed(response, action: action) }
            let expiration = (object["expiration"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
            return DatabaseLogin(user: user, password: password, expiration: expiration)
        }
        guard let user = XMLText.firstElement("DbUser", in: text),
            let password = XMLText.firstElement("DbPassword", in: text)
        else { throw malformed(response, action: action) }
        return DatabaseLogin(
            user: user, password: password, expiration: XMLText.firstElement("Expiration", in: text).flatMap(isoDate))
    }

    static func error(_ response: HTTPResponse, action: String) -> IAMLoginError {
        let text = String(decoding: response.body.prefix(64 * 1024), as: UTF8.self)
        var code: String?
        var message: String?
        var requestID = response.header("x-amzn-RequestId") ?? response.requestID
        if response.body.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        {
            // `__type` may carry a namespace (`…#Code`); `x-amzn-ErrorType` a suffix (`Code:…`).
            let raw =
                (object["__type"] as? String) ?? (object["code"] as? String) ?? response.header("x-amzn-ErrorType")
            code = raw.map { value in
                let name = value.split(separator: "#").last.map(String.init) ?? value
                return name.split(separator: ":").first.map(String.init) ?? name
            }
            message = (object["message"] as? String) ?? (object["Message"] as? String)
        } else {
            code = XMLText.firstElement("Code", in: text)
            message = XMLText.firstElement("Message", in: text)
            requestID = XMLText.firstElement("RequestId", in: text) ?? requestID
        }
        return IAMLoginError(
            action: action, message: message ?? "HTTP \(response.status)", httpStatus: response.status,
            awsCode: code ?? response.header("x-amzn-ErrorType"), requestID: requestID)
    }

    private static func malformed(_ response: HTTPResponse, action: String) -> IAMLoginError {
        IAMLoginError(
            action: action, message: "the answer holds no database user and password", httpStatus: response.status,
            requestID: response.header("x-amzn-RequestId") ?? response.requestID)
    }

    private static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
