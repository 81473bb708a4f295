/// An Arrow field's type as the IPC schema declares it (Schema.fbs), the ones Stevedore reads and
/// the rest by name, to be refused with it.
public indirect enum ArrowType: Sendable, Hashable, CustomStringConvertible {
    public enum TimeUnit: Int16, Sendable, Hashable {
        case second = 0
        case millisecond = 1
        case microsecond = 2
        case nanosecond = 3

        /// Units of this kind in one second.
        var perSecond: Int64 { [1, 1_000, 1_000_000, 1_000_000_000][Int(rawValue)] }
        var suffix: String { ["s", "ms", "us", "ns"][Int(rawValue)] }
    }

    case null
    case int(bitWidth: Int, signed: Bool)
    /// 16, 32 or 64 bits.
    case floatingPoint(bitWidth: Int)
    case bool
    case decimal(precision: Int, scale: Int, bitWidth: Int)
    /// Days (32 bits) or milliseconds (64 bits) since 1970-01-01.
    case date(bitWidth: Int)
    case time(TimeUnit, bitWidth: Int)
    case timestamp(TimeUnit, timeZone: String?)
    case duration(TimeUnit)
    case utf8, largeUTF8, utf8View
    case binary, largeBinary, binaryView
    case fixedSizeBinary(byteWidth: Int)
    case list, largeList
    case fixedSizeList(size: Int)
    case structure
    case map
    /// A type Stevedore does not read (unions, intervals, run-end encoding, list views…).
    case unsupported(String)

    public var description: String {
        switch self {
        case .null: "null"
        case .int(let bits, let signed): "\(signed ? "int" : "uint")\(bits)"
        case .floatingPoint(let bits): "float\(bits)"
        case .bool: "bool"
        case .decimal(let precision, let scale, let bits): "decimal\(bits)(\(precision), \(scale))"
        case .date(let bits): bits == 32 ? "date32[day]" : "date64[ms]"
        case .time(let unit, let bits): "time\(bits)[\(unit.suffix)]"
        case .timestamp(let unit, let zone): "timestamp[\(unit.suffix)\(zone.map { ", tz=\($0)" } ?? "")]"
        case .duration(let unit): "duration[\(unit.suffix)]"
        case .utf8: "string"
        case .largeUTF8: "large_string"
        case .utf8View: "string_view"
        case .binary: "binary"
        case .largeBinary: "large_binary"
        case .binaryView: "binary_view"
        case .fixedSizeBinary(let width): "fixed_size_binary[\(width)]"
        case .list: "list"
        case .largeList: "large_list"
        case .fixedSizeList(let size): "fixed_size_list[\(size)]"
        case .structure: "struct"
        case .map: "map"
        case .unsupported(let name): name
        }
    }
}

/// One field of an Arrow schema: name, type, nullability, children (list items, struct fields,
/// map entries) and, for a dictionary-encoded field, its dictionary's id and index type.
public struct ArrowField: Sendable, Hashable {
    public var name: String
    /// The type of the values (for a dictionary-encoded field, of the dictionary's values).
    public var type: ArrowType
    public var isNullable: Bool
    public var children: [ArrowField]
    public var dictionary: Dictionary?

    /// How a field's values are dictionary-encoded.
    public struct Dictionary: Sendable, Hashable {
        public var id: Int64
        /// The indices' integer type.
        public var indexBitWidth: Int
        public var indexSigned: Bool
    }

    public init(
        name: String, type: ArrowType, isNullable: Bool = true, children: [ArrowField] = [],
        dictionary: Dictionary? = nil
    ) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
        self.children = children
        self.dictionary = dictionary
    }
}

/// Decoding Schema.fbs tables.
extension ArrowField {
    /// The Type union's member ids (Schema.fbs, `union Type`).
    private enum TypeID: UInt8 {
        case null = 1
        case int, floatingPoint, binary, utf8, bool, decimal, date, time, timestamp, interval, list,
            structure, union, fixedSizeBinary, fixedSizeList, map, duration, largeBinary, largeUTF8, largeList,
            runEndEncoded, binaryView, utf8View, listView, largeListView
    }

    /// The fields of a `Schema` table.
    static func fields(ofSchema schema: FlatTable) throws(FlatBuffer.Malformed) -> [ArrowField] {
        if try schema.int16(0) != 0 {
            throw FlatBuffer.Malformed(offset: schema.position, message: "the schema is big-endian")
        }
        // Each field takes a table of its own in real metadata; many references to one table
        // would make decoding exponential, so no more fields than 8 bytes each could hold.
        var budget = max(64, schema.buffer.bytes.count / 8)
        return try fields(schema.vector(1, elementSize: 4), budget: &budget)
    }

    private static func fields(_ vector: FlatVector?, budget: inout Int) throws(FlatBuffer.Malformed) -> [ArrowField] {
        guard let vector else { return [] }
        var fields: [ArrowField] = []
        for index in 0..<vector.count {
            budget -= 1
            guard budget >= 0 else {
                throw FlatBuffer.Malformed(
                    offset: vector.position(index), message: "more fields than the metadata holds")
            }
            fields.append(try ArrowField(vector.table(index), budget: &budget))
        }
        return fields
    }

    /// A `Field` table.
    init(_ table: FlatTable, budget: inout Int) throws(FlatBuffer.Malformed) {
        name = try table.string(0) ?? ""
        isNullable = try table.bool(1)
        children = try Self.fields(table.vector(5, elementSize: 4), budget: &budget)
        type = try Self.type(id: table.uint8(2), table.table(3))
        if let encoding = try table.table(4) {
            let index = try encoding.table(1)
            dictionary = Dictionary(
                id: try encoding.int64(0), indexBitWidth: Int(try index?.int32(0, default: 32) ?? 32),
                indexSigned: try index?.bool(1) ?? true)
        } else {
            dictionary = nil
        }
    }

    private static func type(id: UInt8, _ table: FlatTable?) throws(FlatBuffer.Malformed) -> ArrowType {
        guard let typeID = TypeID(rawValue: id) else { return .unsupported("type #\(id)") }
        func unit(_ id: Int, default value: Int16) throws(FlatBuffer.Malformed) -> ArrowType.TimeUnit {
            let raw = try table?.int16(id, default: value) ?? value
            guard let unit = ArrowType.TimeUnit(rawValue: raw) else {
                throw FlatBuffer.Malformed(
                    offset: table?.position ?? 0, message: "time unit \(raw) is not one of Arrow's")
            }
            return unit
        }
        switch typeID {
        case .null: return .null
        case .int:
            return .int(bitWidth: Int(try table?.int32(0) ?? 0), signed: try table?.bool(1) ?? false)
        case .floatingPoint:
            switch try table?.int16(0) ?? 0 {
            case 0: return .floatingPoint(bitWidth: 16)
            case 1: return .floatingPoint(bitWidth: 32)
            case 2: return .floatingPoint(bitWidth: 64)
            case let other: return .unsupported("floating point precision \(other)")
            }
        case .binary: return .binary
        case .utf8: return .utf8
        case .bool: return .bool
        case .decimal:
            return .decimal(
                precision: Int(try table?.int32(0) ?? 0), scale: Int(try table?.int32(1) ?? 0),
                bitWidth: Int(try table?.int32(2, default: 128) ?? 128))
        case .date:
            let unit = try table?.int16(0, default: 1) ?? 1
            return .date(bitWidth: unit == 0 ? 32 : 64)
        case .time:
            return .time(try unit(0, default: 1), bitWidth: Int(try table?.int32(1, default: 32) ?? 32))
        case .timestamp:
            let zone = try table?.string(1)
            return .timestamp(try unit(0, default: 0), timeZone: zone?.isEmpty == false ? zone : nil)
        case .duration: return .duration(try unit(0, default: 1))
        case .list: return .list
        case .largeList: return .largeList
        case .fixedSizeList: return .fixedSizeList(size: Int(try table?.int32(0) ?? 0))
        case .structure: return .structure
        case .map: return .map
        case .largeBinary: return .largeBinary
        case .largeUTF8: return .largeUTF8
        case .binaryView: return .binaryView
        case .utf8View: return .utf8View
        case .fixedSizeBinary: return .fixedSizeBinary(byteWidth: Int(try table?.int32(0) ?? 0))
        case .interval: return .unsupported("interval")
        case .union: return .unsupported("union")
        case .runEndEncoded: return .unsupported("run-end encoded")
        case .listView: return .unsupported("list view")
        case .largeListView: return .unsupported("large list view")
        }
    }
}
