import Foundation
import Testing

@testable import DetTensorIO

/// A safetensors file with header text `header` (unpadded) and `data`.
func safetensors(header: String, data: [UInt8]) -> Data {
  let text = Array(header.utf8)
  return Data((0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) } + text + data)
}

private func decodeProblem(_ header: String, _ data: [UInt8]) -> TensorIOError.Problem? {
  Support.problem {
    _ = try SafetensorsFile.decode(safetensors(header: header, data: data), name: "x.safetensors")
  }
}

// MARK: - Round trips

@Test(arguments: DType.allCases)
func safetensorsRoundTripEachDType(dtype: DType) throws {
  var rng = Support.SeededGenerator(state: 5)
  var tensors: [(name: String, tensor: Tensor)] = []
  for (i, shape) in [[], [0], [3], [2, 5], [2, 0, 3], [3, 1, 2]].enumerated() {
    tensors.append(("t\(i)", Support.randomTensor(dtype, shape: shape, using: &rng)))
  }
  let archive = try SafetensorsFile.decode(try SafetensorsFile.encode(tensors), name: "m")
  #expect(archive.count == tensors.count)
  #expect(archive.metadata.isEmpty)
  for (name, tensor) in tensors {
    #expect(archive[name] == tensor, "\(dtype) \(name)")
  }
  #expect(archive["missing"] == nil)
}

@Test func safetensorsRoundTripAllDTypesThroughAFile() throws {
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  var rng = Support.SeededGenerator(state: 17)
  let tensors = DType.allCases.enumerated().map { i, dtype in
    (
      name: "layer.\(dtype.rawValue)",
      tensor: Support.randomTensor(dtype, shape: [i + 1, 3], using: &rng)
    )
  }
  let metadata = ["format": "pt", "note": "línea\n\"quoted\"\u{1}"]
  let url = dir.appendingPathComponent("m.safetensors")
  try SafetensorsFile.write(tensors, metadata: metadata, to: url)
  #expect(try Data(contentsOf: url) == SafetensorsFile.encode(tensors, metadata: metadata))
  let archive = try SafetensorsFile.read(contentsOf: url)
  #expect(archive.metadata == metadata)
  // Written by decreasing alignment then name, as the reference writer does.
  #expect(
    archive.names == [
      "layer.int64", "layer.float64", "layer.float32", "layer.int32",
      "layer.bfloat16", "layer.float16", "layer.uint8", "layer.bool",
    ])
  for (name, tensor) in tensors {
    let read = try #require(archive[name])
    #expect(read == tensor, "\(name)")
    read.withUnsafeBytes { bytes in
      #expect(Int(bitPattern: bytes.baseAddress) % tensor.dtype.size == 0, "\(name) aligned")
    }
  }
}

@Test func safetensorsNamesSortBytewiseWithinADType() throws {
  let one = Tensor(shape: [1], float32: [1])
  let data = try SafetensorsFile.encode([
    ("b", one), ("a.2", one), ("a.10", one), ("B", one), ("é", one),
  ])
  #expect(try SafetensorsFile.decode(data, name: "m").names == ["B", "a.10", "a.2", "b", "é"])
}

@Test func safetensorsEncodeRefusesDuplicateAndReservedNames() {
  let one = Tensor(shape: [1], uint8: [1])
  #expect(
    Support.problem { _ = try SafetensorsFile.encode([("w", one), ("w", one)]) }
      == .invalidName("w"))
  #expect(
    Support.problem { _ = try SafetensorsFile.encode([("__metadata__", one)]) }
      == .invalidName("__metadata__"))
}

@Test func safetensorsHeaderIsPaddedToEightBytes() throws {
  for length in 0..<12 {
    let data = try SafetensorsFile.encode([
      (String(repeating: "n", count: length + 1), Tensor(shape: [1], float64: [1]))
    ])
    let headerLength = data.prefix(8).enumerated().reduce(0) {
      $0 | Int($1.element) << (8 * $1.offset)
    }
    #expect(headerLength % 8 == 0)
    #expect(data.count == 8 + headerLength + 8)
    #expect(
      data[8 + headerLength - 1] == UInt8(ascii: " ")
        || data[8 + headerLength - 1] == UInt8(ascii: "}"))
  }
  #expect(
    try SafetensorsFile.encode([]) == Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8)))
}

// MARK: - Parity with the safetensors package

@Test func safetensorsReadsReferenceGoldenFiles() throws {
  let files = try #require(try Support.expected()["safetensors"] as? [String: [String: Any]])
  #expect(files.count >= 2)
  for (file, info) in files {
    let archive = try SafetensorsFile.read(contentsOf: Support.golden.appendingPathComponent(file))
    #expect(archive.metadata == info["metadata"] as? [String: String], "\(file)")
    let tensors = try #require(info["tensors"] as? [String: [String: Any]])
    #expect(Set(archive.names) == Set(tensors.keys), "\(file)")
    for (name, expected) in tensors {
      let tensor = try #require(archive[name])
      #expect(tensor.dtype.rawValue == expected["dtype"] as? String, "\(file) \(name)")
      #expect(tensor.shape == expected["shape"] as? [Int], "\(file) \(name)")
      let values = try #require(expected["values"] as? [Any])
      #expect(values.count == tensor.count)
      if tensor.dtype.isFloatingPoint {
        #expect(try tensor.asFloat64() == values.map { Support.double($0) }, "\(file) \(name)")
      } else if tensor.dtype == .bool {
        #expect(try tensor.asBool() == values as? [Bool], "\(file) \(name)")
      } else {
        #expect(
          try tensor.asInt64() == values.map { ($0 as? NSNumber)?.int64Value }, "\(file) \(name)")
      }
    }
  }
}

/// Re-encoding what the reference wrote gives its bytes exactly (order, JSON, padding).
@Test(arguments: ["numpy_all.safetensors", "metadata.safetensors", "torch_bf16.safetensors"])
func safetensorsEncodeMatchesReferenceBytes(file: String) throws {
  let url = Support.golden.appendingPathComponent(file)
  let archive = try SafetensorsFile.read(contentsOf: url)
  let tensors = try archive.names.map { (name: $0, tensor: try #require(archive[$0])) }
  #expect(
    try SafetensorsFile.encode(tensors.reversed(), metadata: archive.metadata)
      == Data(contentsOf: url))
}

@Test func safetensorsMatchesReferenceJSONEscaping() throws {
  // The bytes the Python package wrote for a name with a quote, newline, U+0001, é and '/'.
  let data = try SafetensorsFile.encode([("c\"\n\u{1}é/", Tensor(shape: [0, 4], uint8: []))])
  let header = String(decoding: data.dropFirst(8), as: UTF8.self)
  #expect(header.hasPrefix(#"{"c\"\n\u0001é/":{"dtype":"U8","shape":[0,4],"data_offsets":[0,0]}}"#))
}

// MARK: - Memory mapping

@Test func safetensorsLargeTensorIsViewedFromTheMapping() throws {
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let count = 1 << 20  // 8 MB of int64
  let values = (0..<count).map { Int64($0) * 3 - 5 }
  let url = dir.appendingPathComponent("big.safetensors")
  try SafetensorsFile.write(
    [
      ("anchors", Tensor(shape: [count], int64: values)),
      ("scale", Tensor(shape: [], float32: [2])),
    ], to: url)
  let archive = try SafetensorsFile.read(contentsOf: url)
  let tensor = try #require(archive["anchors"])
  let fileSize = try Data(contentsOf: url).count
  let dataStart = fileSize - count * 8 - 4
  let page = Int(sysconf(Int32(_SC_PAGESIZE)))
  let address = try tensor.withUnsafeBufferPointer(of: Int64.self) { buffer -> Int in
    #expect(buffer[count - 1] == Int64(count - 1) * 3 - 5)
    return Int(bitPattern: buffer.baseAddress)
  }
  #expect(address % page == dataStart % page)
  #expect(try tensor.asInt64() == values)
  #expect(try archive["scale"]?.asFloat32() == [2])
}

// MARK: - Corrupted and hostile files

@Test func safetensorsTruncatedAtEveryByteThrows() throws {
  let bytes = try Data(contentsOf: Support.golden.appendingPathComponent("numpy_all.safetensors"))
  for length in 0..<bytes.count {
    let problem = Support.problem {
      _ = try SafetensorsFile.decode(bytes.prefix(length), name: "t")
    }
    switch problem {
    case .truncated(let at, let needed, _):
      #expect(at == length && needed > length, "cut at \(length)")
    case .offsetsOutsideData(_, _, let end, let dataLength):
      // Cut inside the data: the last tensors now end beyond it.
      #expect(end > dataLength, "cut at \(length)")
    default:
      Issue.record("cut at \(length): \(String(describing: problem))")
    }
  }
}

@Test func safetensorsAbsurdHeaderLength() {
  for length in [UInt64(100_000_001), 1 << 63, .max] {
    let data = Data(
      (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + Array("{}".utf8))
    #expect(
      Support.problem { _ = try SafetensorsFile.decode(data, name: "x") }
        == .absurdHeaderLength(length: length, limit: 100_000_000))
  }
  let beyond = Data([0x00, 0x10, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))
  #expect(
    Support.problem { _ = try SafetensorsFile.decode(beyond, name: "x") }
      == .truncated(at: 10, needed: 4104, what: "the header"))
}

@Test func safetensorsHeaderMustBeUTF8JSONObject() {
  guard
    case .badHeader(let detail) = Support.problem({
      _ = try SafetensorsFile.decode(
        Data([4, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0x7D, 0x20]), name: "x")
    })
  else {
    Issue.record("invalid UTF-8 must be a bad header")
    return
  }
  #expect(detail.contains("header byte 1") && detail.contains("UTF-8"))
  for header in ["[]", " {}", "", "{", "{}x", "{,}", "{\"a\":1}", "{\"a\":{\"dtype\":\"F32\"}}"] {
    guard case .badHeader = decodeProblem(header, []) else {
      Issue.record("\(header) must be a bad header")
      continue
    }
  }
}

@Test func safetensorsUnknownDType() {
  #expect(
    decodeProblem(#"{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, [0])
      == .unknownDType("F8_E4M3", tensor: "x"))
}

@Test func safetensorsShapeOverflow() {
  #expect(
    decodeProblem(
      #"{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, [])
      == .shapeOverflow(tensor: "x", shape: [1 << 32, 1 << 32]))
  #expect(
    decodeProblem(#"{"x":{"dtype":"I64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#, [])
      == .shapeOverflow(tensor: "x", shape: [1 << 61]))
}

@Test func safetensorsOffsetsOutsideData() {
  #expect(
    decodeProblem(#"{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, [1, 2])
      == .offsetsOutsideData(tensor: "x", begin: 0, end: 4, dataLength: 2))
  #expect(
    decodeProblem(#"{"x":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}"#, [1, 2])
      == .offsetsOutsideData(tensor: "x", begin: 2, end: 1, dataLength: 2))
  #expect(
    decodeProblem(
      #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775806,9223372036854775807]}}"#,
      [1])
      == .offsetsOutsideData(tensor: "x", begin: Int.max - 1, end: Int.max, dataLength: 1))
}

@Test func safetensorsOverlapHoleAndSizeMismatch() {
  let eight = [UInt8](repeating: 0, count: 8)
  #expect(
    decodeProblem(
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]},"c":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}"#,
      eight)
      == .overlap(tensor: "b", other: "a"))
  #expect(
    decodeProblem(
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}"#,
      eight)
      == .uncoveredBytes(begin: 4, end: 6))
  #expect(
    decodeProblem(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, eight)
      == .uncoveredBytes(begin: 4, end: 8))
  #expect(
    decodeProblem(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight)
      == .sizeMismatch(tensor: "a", expected: 12, actual: 8))
  // Two names for the same bytes (the aliasing trick) is an overlap too.
  #expect(
    decodeProblem(
      #"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#,
      eight)
      == .overlap(tensor: "b", other: "a"))
}

@Test func safetensorsOutOfOrderEntriesAreAccepted() throws {
  let archive = try SafetensorsFile.decode(
    safetensors(
      header:
        #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}, "a" : {"dtype":"U8","shape":[1],"data_offsets":[0,1]} ,"__metadata__":{"k":"v"}}   "#,
      data: [7, 9]),
    name: "m")
  #expect(archive.names == ["a", "b"])
  #expect(try archive["b"]?.asInt64() == [9])
  #expect(archive.metadata == ["k": "v"])
}

@Test func safetensorsDuplicateKeys() {
  #expect(
    decodeProblem(
      #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#,
      [])
      == .invalidName("a"))
  #expect(
    decodeProblem(#"{"__metadata__":{},"__metadata__":{}}"#, []) == .invalidName("__metadata__"))
}

/// Random byte flips in the header never trap: they either read or throw TensorIOError.
@Test(arguments: [1 as UInt64, 2, 3, 4])
func safetensorsRandomCorruptionNeverTraps(seed: UInt64) throws {
  var rng = Support.SeededGenerator(state: seed)
  let original = [UInt8](
    try Data(contentsOf: Support.golden.appendingPathComponent("numpy_all.safetensors")))
  for _ in 0..<2000 {
    var bytes = original
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      bytes[Int.random(in: 0..<(bytes.count - 40), using: &rng)] = UInt8.random(
        in: 0...255, using: &rng)
    }
    do {
      let archive = try SafetensorsFile.decode(Data(bytes), name: "fuzz")
      for name in archive.names { _ = archive[name]?.count }
    } catch {
      #expect(error.file == "fuzz")
    }
  }
}

/// A tensor at an offset that is not a multiple of its element size (the reference writer
/// never makes one) is copied into aligned storage when read from a mapping.
@Test func safetensorsMisalignedTensorIsCopied() throws {
  var header =
    #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}"#
  while header.utf8.count % 8 != 0 { header += " " }
  var data: [UInt8] = [7]
  withUnsafeBytes(of: Float(-1.5).bitPattern.littleEndian) { data += $0 }
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("odd.safetensors")
  try safetensors(header: header, data: data).write(to: url)
  let archive = try SafetensorsFile.read(contentsOf: url)
  let b = try #require(archive["b"])
  if case .owned = b.storage {} else { Issue.record("misaligned data must be copied") }
  #expect(try b.withUnsafeBufferPointer(of: Float.self) { $0[0] } == -1.5)
  let a = try #require(archive["a"])
  if case .mapped = a.storage {} else { Issue.record("aligned data must be mapped") }
  #expect(try a.asInt64() == [7])
}
