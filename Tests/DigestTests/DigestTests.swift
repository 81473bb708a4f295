import Digest
import Foundation
import Testing

@Suite("Digest over libcrypto")
struct DigestTests {
    @Test("SHA-256 of the FIPS 180-2 vectors")
    func sha256Vectors() {
        #expect(SHA256.hash("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash("").hex == SHA256.emptyHex)
        #expect(
            SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA256 of RFC 4231 test case 2")
    func hmacRFC4231Case2() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: "what do ya want for nothing?")
        #expect(mac.hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("HMAC-SHA256 of RFC 4231 test case 6 (a key longer than the block)")
    func hmacRFC4231Case6() {
        let key = [UInt8](repeating: 0xAA, count: 131)
        let mac = HMAC.sha256(key: key, message: "Test Using Larger Than Block-Size Key - Hash Key First")
        #expect(mac.hex == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("MD5 in hex and in base64, as Content-MD5 wants it")
    func md5() {
        #expect(MD5.hash("").hex == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hash("").base64 == "1B2M2Y8AsgTpgAmY7PhCfg==")
        #expect(MD5.hash("The quick brown fox jumps over the lazy dog").hex == "9e107d9d372bb6826bd81d3542a419d6")
    }

    @Test("streaming in uneven pieces equals hashing in one call")
    func streaming() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<1_000_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var sha = StreamingHash(.sha256)
        var mac = HMAC(.sha256, key: Array("key".utf8))
        var offset = 0
        var step = 1
        while offset < data.count {
            let end = min(offset + step, data.count)
            sha.update(data[offset..<end])
            mac.update(data[offset..<end])
            offset = end
            step = step * 3 + 1
        }
        #expect(sha.finalize() == SHA256.hash(data))
        #expect(mac.finalize() == HMAC.sha256(key: Array("key".utf8), message: data))
    }

    @Test("base64 matches Foundation for every length remainder")
    func base64() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test("hex encodes and decodes")
    func hex() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.decode("000FA0ff") == [0x00, 0x0f, 0xa0, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
