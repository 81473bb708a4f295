/// Turns PostgreSQL's binary COPY output (`COPY … TO STDOUT (FORMAT binary)`), fed in chunks cut
/// anywhere, into Arrow IPC of the values `ArrowFromCSV` makes of the same rows as CSV, a record batch at a time.
public struct ArrowFromPostgresBinary: Sendable {
    /// How one column's send format becomes its Arrow values.
    enum Conversion: Sendable, Hashable {
        case boolean, int16, int32, int64, float32, float64
        /// numeric into a decimal128 of `scale` digits after the point.
        case decimal(scale: Int)
        /// numeric as numeric_out spells it (an unconstrained numeric).
        case numericText
        case date, timestamp, time, interval
        /// text, varchar, bpchar and json: the bytes as they are.
        case text
        /// jsonb: a version byte, then the text.
        case jsonb
        case bytes
    }

    private var writer: ArrowWriter
    private let conversions: [Conversion]
    private let name: String?
    private var builders: [ArrowColumnBuilder] = []
    private var batchRows = 0
    private var batchBytes = 0
    /// The bytes of an incomplete header or tuple, kept for the next chunk.
    private var pending: [UInt8] = []
    /// Bytes of the COPY data before `pending`.
    private var consumed = 0
    private var sawHeader = false
    private var sawTrailer = false
    private var started = false
    /// numeric's text, built for a value that needs it.
    private var scratch: [UInt8] = []
    /// Rows written so far.
    public private(set) var rowCount = 0

    /// A record batch ends after this many rows, or once its tuples reach this many bytes.
    static let batchRows = ArrowFromCSV.batchRows
    static let batchBytes = ArrowFromCSV.batchBytes
    /// The longest field PostgreSQL sends (a varlena holds at most 1 GB).
    static let longestField = 1 << 30

    /// Arrow of `schema`'s columns from binary COPY rows whose fields have the send formats
    /// `fields`; nil when a field's format is not one its column's Arrow type is made from.
    public init?(schema: Schema, fields: [PostgresBinaryCopy.Field], format: ArrowWriter.Format, name: String? = nil) {
        writer = ArrowWriter(schema: schema, format: format)
        guard fields.count == writer.schema.fields.count else { return nil }
        var conversions: [Conversion] = []
        for (field, column) in zip(fields, writer.schema.fields) {
            guard let conversion = Self.conversion(field, into: column.type) else { return nil }
            conversions.append(conversion)
        }
        self.conversions = conversions
        self.name = name
        builders = Self.emptyBuilders(writer.schema)
    }

    private static func conversion(_ field: PostgresBinaryCopy.Field, into type: ColumnType) -> Conversion? {
        switch (field, type) {
        case (.boolean, .boolean): .boolean
        case (.int2, .smallint): .int16
        case (.int4, .integer): .int32
        case (.int8, .bigint): .int64
        case (.float4, .real): .float32
        case (.float8, .double): .float64
        case (.numeric, .decimal(_, let scale)): .decimal(scale: scale)
        case (.numeric, .numeric): .numericText
        case (.date, .date): .date
        case (.timestamp, .timestamp), (.timestamptz, .timestamptz): .timestamp
        case (.time, .time): .time
        case (.interval, .interval): .interval
        case (.text, .text), (.text, .json): .text
        case (.jsonb, .json): .jsonb
        case (.bytea, .binary): .bytes
        default: nil
        }
    }

    /// Builders with room for the rows a batch of this width holds before its byte limit, at most
    /// `batchRows`: a wide table would otherwise reserve 65,536 rows in every column.
    private static func emptyBuilders(_ schema: Schema) -> [ArrowColumnBuilder] {
        let rows = min(batchRows, max(1, batchBytes / (2 + 4 * max(1, schema.fields.count))))
        return schema.fields.map { ArrowColumnBuilder(type: $0.type, rows: rows) }
    }

    /// Arrow bytes for `chunk`'s complete tuples (the start of the output first); often empty
    /// while a record batch fills.
    public mutating func append(_ chunk: [UInt8]) throws(FrameError) -> [UInt8] {
        var output = start()
        var input = chunk
        if !pending.isEmpty {
            input = pending + chunk
            pending = []
        }
        let used = try input.withUnsafeBufferPointer { (bytes) throws(FrameError) in
            try decode(UnsafeRawBufferPointer(bytes), into: &output)
        }
        consumed += used
        if used < input.count { pending = Array(input[used...]) }
        return output
    }

    /// The last rows and the end of the output; the COPY data must have ended with its trailer.
    public mutating func finish() throws(FrameError) -> [UInt8] {
        var output = start()
        guard pending.isEmpty, sawTrailer else {
            throw malformed(
                at: consumed,
                sawHeader ? "the binary COPY data ends inside a tuple, without its trailer" : "no binary COPY header")
        }
        if batchRows > 0 { output += flush() }
        return output + writer.finish()
    }

    private mutating func start() -> [UInt8] {
        guard !started else { return [] }
        started = true
        return writer.start()
    }

    private mutating func flush() -> [UInt8] {
        let bytes = writer.write(builders, rows: batchRows)
        rowCount += batchRows
        batchRows = 0
        batchBytes = 0
        builders = Self.emptyBuilders(writer.schema)
        return bytes
    }

    /// Decodes the complete tuples of `raw` (after the header, once seen); the bytes used.
    private mutating func decode(_ raw: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(FrameError) -> Int {
        let end = raw.count
        var position = 0
        if !sawHeader {
            guard let length = try header(raw) else { return 0 }
            position = length
            sawHeader = true
        }
        let width = conversions.count
        while position < end {
            guard !sawTrailer else { throw malformed(at: consumed + position, "bytes after the binary COPY trailer") }
            guard end - position >= 2 else { break }
            let fields = Int(Int16(bitPattern: Self.load(UInt16.self, raw, position)))
            if fields == -1 {
                sawTrailer = true
                position += 2
                continue
            }
            guard fields == width else {
                throw malformed(at: consumed + position, "a tuple of \(fields) fields, not \(width)")
            }
            // The whole tuple first: a tuple cut by the chunk's end waits for the next chunk.
            var cursor = position + 2
            var complete = true
            for _ in 0..<width {
                guard end - cursor >= 4 else {
                    complete = false
                    break
                }
                let length = Int(Int32(bitPattern: Self.load(UInt32.self, raw, cursor)))
                // PostgreSQL sends no field over 1 GB.
                guard length >= -1, length <= Self.longestField else {
                    throw malformed(at: consumed + cursor, "a field length of \(length)")
                }
                cursor += 4
                if length > 0 {
                    guard end - cursor >= length else {
                        complete = false
                        break
                    }
                    cursor += length
                }
            }
            guard complete else { break }
            try decodeTuple(raw, from: position + 2)
            batchRows += 1
            batchBytes += cursor - position
            position = cursor
            if batchRows == Self.batchRows || batchBytes >= Self.batchBytes { output += flush() }
        }
        return position
    }

    /// The header's length (signature, flags, extension); nil while it is incomplete.
    private func header(_ raw: UnsafeRawBufferPointer) throws(FrameError) -> Int? {
        let signature = PostgresBinaryCopy.header.prefix(11)
        let seen = min(raw.count, 11)
        guard raw.prefix(seen).elementsEqual(signature.prefix(seen)) else {
            throw malformed(at: 0, "not binary COPY data: the signature PGCOPY\\n\\377\\r\\n\\0 is missing")
        }
        guard raw.count >= 19 else { return nil }
        let flags = Self.load(UInt32.self, raw, 11)
        // Bit 16: each tuple carries an OID (servers before 12); bits 17-31 must be understood.
        guard flags & 0xFFFF_0000 == 0 else {
            throw malformed(at: 11, "binary COPY flags \(flags) (OIDs or an unknown format) are not read here")
        }
        let extensionLength = Int(Int32(bitPattern: Self.load(UInt32.self, raw, 15)))
        // PostgreSQL writes none; a reader skips what it does not know, up to a small bound.
        guard extensionLength >= 0, extensionLength <= 1 << 16 else {
            throw malformed(at: 15, "a header extension of \(extensionLength) bytes")
        }
        return raw.count >= 19 + extensionLength ? 19 + extensionLength : nil
    }

    /// Appends one complete tuple's fields (starting at `start`, after its field count).
    @inline(__always)
    private mutating func decodeTuple(_ raw: UnsafeRawBufferPointer, from start: Int) throws(FrameError) {
        var cursor = start
        for column in conversions.indices {
            let length = Int(Int32(bitPattern: Self.load(UInt32.self, raw, cursor)))
            cursor += 4
            if length < 0 {
                builders[column].appendNull()
                continue
            }
            let value = UnsafeRawBufferPointer(rebasing: raw[cursor..<(cursor + length)])
            try append(value, column: column, at: cursor - 4)
            cursor += length
        }
    }

    @inline(__always)
    private mutating func append(_ value: UnsafeRawBufferPointer, column: Int, at offset: Int) throws(FrameError) {
        let conversion = conversions[column]
        switch conversion {
        case .text:
            builders[column].appendVariable(value)
        case .int32:
            try expect(4, value, column: column, at: offset)
            builders[column].appendFixed(Self.load(UInt32.self, value, 0))
        case .int64:
            try expect(8, value, column: column, at: offset)
            builders[column].appendFixed(Self.load(UInt64.self, value, 0))
        case .int16:
            try expect(2, value, column: column, at: offset)
            builders[column].appendFixed(Self.load(UInt16.self, value, 0))
        case .boolean:
            try expect(1, value, column: column, at: offset)
            builders[column].appendBit(value[0] != 0)
        case .float32:
            try expect(4, value, column: column, at: offset)
            let number = Float(bitPattern: Self.load(UInt32.self, value, 0))
            // Every NaN as the CSV path reads "NaN".
            builders[column].appendFixed(number.isNaN ? Float(Double.nan).bitPattern : number.bitPattern)
        case .float64:
            try expect(8, value, column: column, at: offset)
            let number = Double(bitPattern: Self.load(UInt64.self, value, 0))
            builders[column].appendFixed(number.isNaN ? Double.nan.bitPattern : number.bitPattern)
        case .date:
            try expect(4, value, column: column, at: offset)
            let days = Int32(bitPattern: Self.load(UInt32.self, value, 0))
            guard let sinceEpoch = Self.dateDays(days) else {
                throw refusal(column: column, value: Self.dateText(days))
            }
            builders[column].appendFixed(Int32(sinceEpoch))
        case .timestamp:
            try expect(8, value, column: column, at: offset)
            let micros = Int64(bitPattern: Self.load(UInt64.self, value, 0))
            guard let sinceEpoch = Self.timestampMicros(micros) else {
                throw refusal(column: column, value: Self.timestampText(micros))
            }
            builders[column].appendFixed(sinceEpoch)
        case .time:
            try expect(8, value, column: column, at: offset)
            let micros = Int64(bitPattern: Self.load(UInt64.self, value, 0))
            guard micros >= 0, micros <= Timestamp.microsecondsPerDay else {
                throw refusal(column: column, value: "\(micros) µs")
            }
            builders[column].appendFixed(micros)
        case .interval:
            try expect(16, value, column: column, at: offset)
            let micros = Int64(bitPattern: Self.load(UInt64.self, value, 0))
            let days = Int32(bitPattern: Self.load(UInt32.self, value, 8))
            let months = Int32(bitPattern: Self.load(UInt32.self, value, 12))
            guard let total = Self.intervalMicros(micros: micros, days: days, months: months) else {
                throw refusal(column: column, value: Self.intervalText(micros: micros, days: days, months: months))
            }
            builders[column].appendFixed(total)
        case .bytes:
            builders[column].appendVariable(value)
        case .jsonb:
            guard value.count >= 1, value[0] == 1 else {
                throw malformed(at: consumed + offset, "a jsonb value of version \(value.first ?? 0), not 1", column)
            }
            builders[column].appendVariable(UnsafeRawBufferPointer(rebasing: value[1...]))
        case .numericText:
            try numericText(value, column: column, at: offset)
            let text = scratch
            text.withUnsafeBytes { builders[column].appendVariable($0) }
            // Ten bytes on the wire can be 100,000 digits of text: the batch's limit counts the text.
            batchBytes += text.count
        case .decimal(let scale):
            guard let parts = Self.numericParts(value) else {
                throw malformed(
                    at: consumed + offset, "a numeric value of \(value.count) bytes that is not one", column)
            }
            guard let scaled = Self.scaledInteger(parts, scale: scale) else {
                // Only a value that does not fit is spelled out, for the message.
                try numericText(value, column: column, at: offset)
                throw refusal(column: column, value: String(decoding: scratch, as: UTF8.self))
            }
            builders[column].appendDecimal128(scaled)
        }
    }

    /// numeric's send format as numeric_out writes it, into `scratch`.
    private mutating func numericText(_ value: UnsafeRawBufferPointer, column: Int, at offset: Int) throws(FrameError) {
        guard Self.appendNumericText(value, to: &scratch) else {
            throw malformed(at: consumed + offset, "a numeric value of \(value.count) bytes that is not one", column)
        }
    }

    /// numeric's send format: digit count, weight (of the first digit, in powers of 10,000), sign
    /// (`0x0000`, `0x4000` negative, or NaN and the infinities), display scale, and the base-10,000
    /// digits.
    struct NumericParts {
        var count: Int
        var weight: Int
        var sign: UInt16
        var scale: Int
        var value: UnsafeRawBufferPointer

        var isNegative: Bool { sign == 0x4000 }
        var isFinite: Bool { sign == 0x0000 || sign == 0x4000 }

        /// The digit at `index`, 0 outside the ones sent.
        func digit(_ index: Int) -> Int {
            guard index >= 0, index < count else { return 0 }
            return Int(ArrowFromPostgresBinary.load(UInt16.self, value, 8 + 2 * index))
        }
    }

    /// The parts of `value`, checked as numeric_recv checks them (the display scale fits
    /// NUMERIC_DSCALE_MASK, 0x3FFF; each digit is below 10,000); nil when the bytes are not a numeric.
    static func numericParts(_ value: UnsafeRawBufferPointer) -> NumericParts? {
        guard value.count >= 8 else { return nil }
        let count = Int(Int16(bitPattern: load(UInt16.self, value, 0)))
        let parts = NumericParts(
            count: count, weight: Int(Int16(bitPattern: load(UInt16.self, value, 2))),
            sign: load(UInt16.self, value, 4), scale: Int(load(UInt16.self, value, 6)), value: value)
        guard count >= 0, value.count == 8 + 2 * count, parts.scale <= 0x3FFF,
            parts.isFinite || [0xC000, 0xD000, 0xF000].contains(parts.sign),
            (0..<count).allSatisfy({ parts.digit($0) < 10_000 })
        else { return nil }
        return parts
    }

    /// A finite numeric times 10^`scale`, as a decimal128 holds it: its digits as numeric_out
    /// prints them (the display scale's), read as `ArrowColumnBuilder.scaledInteger` reads that
    /// text; nil when the display scale is above `scale` or the result has more than 38 digits.
    static func scaledInteger(_ parts: NumericParts, scale: Int) -> Int128? {
        guard parts.isFinite, parts.scale <= scale else { return nil }
        // Group by group from the highest one before the point to the last one the display scale
        // reaches (of which only the digits it reaches), then the scale made up.
        let fractionGroups = (parts.scale + 3) / 4
        var value: Int128 = 0
        var position = max(parts.weight, 0)
        while position >= -fractionGroups {
            let group = parts.digit(parts.weight - position)
            let kept = position == -fractionGroups ? parts.scale - 4 * (fractionGroups - 1) : 4
            let (shifted, over) = value.multipliedReportingOverflow(by: integerPowerOfTen(kept))
            guard !over else { return nil }
            value = shifted + Int128(group) / integerPowerOfTen(4 - kept)
            position -= 1
        }
        let (scaled, over) = value.multipliedReportingOverflow(by: integerPowerOfTen(scale - parts.scale))
        guard !over, scaled < integerPowerOfTen(38) else { return nil }
        return parts.isNegative ? -scaled : scaled
    }

    /// 10^`exponent`, for 0...38.
    private static func integerPowerOfTen(_ exponent: Int) -> Int128 {
        powersOfTen[exponent]
    }

    private static let powersOfTen: [Int128] = (0...38).map { exponent in
        (0..<exponent).reduce(Int128(1)) { power, _ in power * 10 }
    }

    /// Writes numeric's send format into `output` as numeric_out spells it; false when the bytes
    /// are not such a value.
    static func appendNumericText(_ value: UnsafeRawBufferPointer, to output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        guard let parts = numericParts(value) else { return false }
        switch parts.sign {
        case 0xC000:
            output.append(contentsOf: "NaN".utf8)
            return true
        case 0xD000:
            output.append(contentsOf: "Infinity".utf8)
            return true
        case 0xF000:
            output.append(contentsOf: "-Infinity".utf8)
            return true
        default: break
        }
        if parts.isNegative { output.append(UInt8(ascii: "-")) }
        var index: Int
        if parts.weight < 0 {
            index = parts.weight + 1
            output.append(UInt8(ascii: "0"))
        } else {
            index = 0
            while index <= parts.weight {
                appendGroup(parts.digit(index), leadingZeros: index > 0, to: &output)
                index += 1
            }
        }
        if parts.scale > 0 {
            output.append(UInt8(ascii: "."))
            var written = 0
            while written < parts.scale {
                let group = parts.digit(index)
                var divisor = 1000
                while divisor > 0 && written < parts.scale {
                    output.append(UInt8(ascii: "0") + UInt8(group / divisor % 10))
                    divisor /= 10
                    written += 1
                }
                index += 1
            }
        }
        return true
    }

    /// A base-10,000 digit as four decimal digits, or without its leading zeros.
    private static func appendGroup(_ group: Int, leadingZeros: Bool, to output: inout [UInt8]) {
        var divisor = 1000
        var printing = leadingZeros
        while divisor > 0 {
            let decimal = group / divisor % 10
            if printing || decimal != 0 || divisor == 1 {
                output.append(UInt8(ascii: "0") + UInt8(decimal))
                printing = true
            }
            divisor /= 10
        }
    }

    /// Days since 1970 of a date's days since 2000, within the years 1 to 9999 that the CSV path
    /// reads (not the infinities, not BC, not five-digit years).
    static func dateDays(_ days: Int32) -> Int? {
        let sinceEpoch = Int(days) + daysFrom1970To2000
        guard days != .max, days != .min, sinceEpoch >= firstDay, sinceEpoch < endDay else { return nil }
        return sinceEpoch
    }

    /// Microseconds since 1970 of a timestamp's microseconds since 2000, within the same years.
    static func timestampMicros(_ micros: Int64) -> Int64? {
        guard micros != .max, micros != .min else { return nil }
        let (sinceEpoch, overflow) = micros.addingReportingOverflow(Int64(daysFrom1970To2000) * microsPerDay)
        guard !overflow, sinceEpoch >= Int64(firstDay) * microsPerDay, sinceEpoch < Int64(endDay) * microsPerDay
        else { return nil }
        return sinceEpoch
    }

    /// An interval's microseconds, as the CSV path reads `N days HH:MM:SS`: none with months,
    /// hours of the time part below 2^31, no overflow.
    static func intervalMicros(micros: Int64, days: Int32, months: Int32) -> Int64? {
        guard months == 0, micros.magnitude / 3_600_000_000 < 1 << 31 else { return nil }
        let (dayMicros, overflow) = Int64(days).multipliedReportingOverflow(by: microsPerDay)
        let (total, carry) = dayMicros.addingReportingOverflow(micros)
        return overflow || carry ? nil : total
    }

    private static let daysFrom1970To2000 = 10_957
    private static let microsPerDay = Timestamp.microsecondsPerDay
    private static let firstDay = CivilDate.days(year: 1, month: 1, day: 1)
    private static let endDay = CivilDate.days(year: 10_000, month: 1, day: 1)

    /// A date the CSV path refuses, spelled as PostgreSQL does for the error.
    static func dateText(_ days: Int32) -> String {
        if days == .max { return "infinity" }
        if days == .min { return "-infinity" }
        return civilText(Int(days) + daysFrom1970To2000)
    }

    static func timestampText(_ micros: Int64) -> String {
        if micros == .max { return "infinity" }
        if micros == .min { return "-infinity" }
        let days = micros / microsPerDay - (micros % microsPerDay < 0 ? 1 : 0)
        return civilText(Int(days) + daysFrom1970To2000) + " (\(micros) µs since 2000-01-01)"
    }

    private static func civilText(_ sinceEpoch: Int) -> String {
        let (year, month, day) = CivilDate.civil(days: sinceEpoch)
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let date = "\(padded(year > 0 ? year : 1 - year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        return year > 0 ? date : date + " BC"
    }

    static func intervalText(micros: Int64, days: Int32, months: Int32) -> String {
        if months == .max && days == .max && micros == .max { return "infinity" }
        if months == .min && days == .min && micros == .min { return "-infinity" }
        return "\(months) mons \(days) days \(micros) µs"
    }

    // MARK: reading and errors

    @inline(__always)
    fileprivate static func load<Integer: FixedWidthInteger>(
        _ type: Integer.Type, _ raw: UnsafeRawBufferPointer, _ offset: Int
    ) -> Integer {
        Integer(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Integer.self))
    }

    @inline(__always)
    private func expect(_ length: Int, _ value: UnsafeRawBufferPointer, column: Int, at offset: Int)
        throws(FrameError)
    {
        guard value.count == length else {
            throw malformed(at: consumed + offset, "a value of \(value.count) bytes, not \(length)", column)
        }
    }

    /// The row being decoded, 1-based.
    private var row: Int { rowCount + batchRows + 1 }

    private func refusal(column: Int, value: String) -> FrameError {
        let field = writer.schema.fields[column]
        return FrameError(
            kind: .valueDoesNotFit(field.type), file: name, column: column + 1, columnName: field.name,
            value: value, message: "row \(row): value is not a \(field.type)")
    }

    private func malformed(at byte: Int, _ message: String, _ column: Int? = nil) -> FrameError {
        FrameError(
            kind: .malformedCopy, file: name, column: column.map { $0 + 1 },
            columnName: column.map { writer.schema.fields[$0].name }, byteOffset: byte,
            message: sawHeader ? "row \(row): \(message)" : message)
    }
}
