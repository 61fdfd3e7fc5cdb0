import Foundation
import Testing

@testable import DetTensorIO

private let npyDTypes = DType.allCases.filter { $0 != .bfloat16 }

// MARK: - Round trips

@Test(arguments: npyDTypes)
func npyRoundTripInMemory(dtype: DType) throws {
  var rng = Support.SeededGenerator(state: 42)
  for shape in [[], [0], [5], [3, 4], [2, 0, 3], [2, 3, 4]] {
    let tensor = Support.randomTensor(dtype, shape: shape, using: &rng)
    let back = try NPYFile.decode(try NPYFile.encode(tensor), name: "mem.npy")
    #expect(back == tensor, "\(dtype) \(shape)")
  }
}

@Test(arguments: npyDTypes)
func npyRoundTripThroughAFile(dtype: DType) throws {
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  var rng = Support.SeededGenerator(state: 7)
  let tensor = Support.randomTensor(dtype, shape: [7, 3], using: &rng)
  let url = dir.appendingPathComponent("t.npy")
  try NPYFile.write(tensor, to: url)
  #expect(try NPYFile.read(contentsOf: url) == tensor)
  #expect(try Data(contentsOf: url) == NPYFile.encode(tensor))
  #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["t.npy"])
}

/// Big-endian files: the same values stored with `>` and byte-swapped elements read back as
/// the little-endian tensor.
@Test(arguments: npyDTypes)
func npyBigEndianIsConvertedOnRead(dtype: DType) throws {
  var rng = Support.SeededGenerator(state: 11)
  let tensor = Support.randomTensor(dtype, shape: [3, 2], using: &rng)
  let little = try NPYFile.encode(tensor)
  var big = [UInt8](little)
  let descr = try #require(dtype.npyDescr)
  let text = String(decoding: big, as: UTF8.self)
  let at = try #require(text.range(of: descr)).lowerBound.utf16Offset(in: text)
  if dtype.size > 1 { big[at] = UInt8(ascii: ">") }
  let dataStart = big.count - tensor.byteCount
  for i in stride(from: dataStart, to: big.count, by: dtype.size) {
    big[i..<(i + dtype.size)].reverse()
  }
  #expect(try NPYFile.decode(Data(big), name: "big.npy") == tensor)
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("big.npy")
  try Data(big).write(to: url)
  #expect(try NPYFile.read(contentsOf: url) == tensor)
}

@Test func npyRefusesBFloat16() {
  let t = Tensor(shape: [1], bfloat16: [1])
  #expect(
    Support.problem { _ = try NPYFile.encode(t) } == .unsupportedInFormat(.bfloat16, format: "NPY"))
}

// MARK: - Parity with numpy

/// Every golden file numpy wrote reads back with the dtype, shape and values numpy recorded.
@Test func npyReadsNumpyGoldenFiles() throws {
  let files = try #require(try Support.expected()["npy"] as? [String: [String: Any]])
  #expect(files.count >= 12)
  for (name, info) in files {
    let tensor = try NPYFile.read(contentsOf: Support.golden.appendingPathComponent(name))
    #expect(tensor.dtype.rawValue == info["dtype"] as? String, "\(name)")
    #expect(tensor.shape == info["shape"] as? [Int], "\(name)")
    let values = try #require(info["values"] as? [Any])
    #expect(values.count == tensor.count, "\(name)")
    if tensor.dtype.isFloatingPoint {
      for (ours, theirs) in zip(try tensor.asFloat64(), values) {
        let expected = try #require(Support.double(theirs))
        #expect(ours == expected || (ours.isNaN && expected.isNaN), "\(name)")
      }
    } else if tensor.dtype == .bool {
      #expect(try tensor.asBool() == values as? [Bool], "\(name)")
    } else {
      #expect(try tensor.asInt64() == values.map { ($0 as? NSNumber)?.int64Value }, "\(name)")
    }
  }
}

/// detkit's encoder writes numpy's bytes exactly for every little-endian golden file
/// (header text, padding, 64-byte alignment).
@Test(arguments: [
  "v1_f4.npy", "i8.npy", "u1.npy", "b1.npy", "f2.npy", "scalar_f8.npy", "empty_0x4_f4.npy",
  "aligned_header_u1.npy",
])
func npyEncodeMatchesNumpyBytes(name: String) throws {
  let url = Support.golden.appendingPathComponent(name)
  let numpyBytes = try Data(contentsOf: url)
  let tensor = try NPYFile.read(contentsOf: url)
  #expect(try NPYFile.encode(tensor) == numpyBytes)
  #expect(numpyBytes.count % 64 == tensor.byteCount % 64)
}

@Test func npyGoldenVersionsAreThoseNumpyWrote() throws {
  func version(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: Support.golden.appendingPathComponent(name))[6..<8])
  }
  #expect(try version("v1_f4.npy") == [1, 0])
  #expect(try version("v2_f4.npy") == [2, 0])
  #expect(try version("v3_i4.npy") == [3, 0])
}

// MARK: - Header layout

@Test func npyHeaderIsAlignedTo64Bytes() throws {
  for rank in 0..<40 {
    let shape = [Int](repeating: 1, count: rank)
    let data = try NPYFile.encode(Tensor(shape: shape, uint8: [1]))
    #expect((data.count - 1) % 64 == 0, "rank \(rank)")
    #expect(data[data.count - 2] == 0x0A, "newline ends the header")
  }
}

@Test func npyLongHeaderSwitchesToVersion2() throws {
  let shape = [Int](repeating: 1, count: 30_000)  // "1, " x 30,000 > 65,535 bytes
  let data = try NPYFile.encode(Tensor(shape: shape, uint8: [3]))
  #expect(Array(data[6..<8]) == [2, 0])
  #expect((data.count - 1) % 64 == 0)
  let back = try NPYFile.decode(data, name: "long.npy")
  #expect(back.shape == shape)
}

@Test func npyDecodeIsTolerantOfLayout() throws {
  for header in [
    "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}",
    "{\"descr\":\"<i4\",\"fortran_order\":False,\"shape\":(2,)}",
    "{ 'descr' : '<i4' ,\n 'fortran_order' : False , 'shape' : ( 2 , ) , }   \n",
    "{'descr': '<i4', 'fortran_order': False, 'shape': (2,),}\t\r\n",
  ] {
    let t = try NPYFile.decode(npy(header: header, data: [1, 0, 0, 0, 2, 0, 0, 0]), name: "h.npy")
    #expect(try t.asInt64() == [1, 2], "\(header)")
  }
}

/// A version 1.0 (or `major`) NPY file with header text `header` (no padding) and `data`.
func npy(header: String, data: [UInt8], major: UInt8 = 1) -> Data {
  let text = Array(header.utf8)
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
  if major == 1 {
    bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
  } else {
    bytes += (0..<4).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
  }
  return Data(bytes + text + data)
}

// MARK: - Memory mapping

/// A multi-megabyte file is read through the mapping: the element buffer sits at the data
/// offset within a page (a heap copy would not), and the values are right.
@Test func npyLargeFileIsReadThroughTheMapping() throws {
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let count = 3 << 20  // 12 MB of float32
  let values = (0..<count).map { Float($0 % 1000) * 0.5 }
  let url = dir.appendingPathComponent("big.npy")
  try NPYFile.write(Tensor(shape: [count / 4, 4], float32: values), to: url)
  let tensor = try NPYFile.read(contentsOf: url)
  let headerLength = Int(try Data(contentsOf: url).count) - count * 4
  #expect(headerLength == 128)
  let page = Int(sysconf(Int32(_SC_PAGESIZE)))
  let address = try tensor.withUnsafeBufferPointer(of: Float.self) { buffer -> Int in
    #expect(buffer[count - 1] == Float((count - 1) % 1000) * 0.5)
    return Int(bitPattern: buffer.baseAddress)
  }
  #expect(address % page == headerLength)
  #expect(try tensor.asFloat32() == values)
  if case .mapped = tensor.storage {} else { Issue.record("a regular file must be mapped") }
}

@Test func npyMappingOutlivesTheFileName() throws {
  let dir = try Support.temporaryDirectory()
  let url = dir.appendingPathComponent("gone.npy")
  try NPYFile.write(Tensor(shape: [2], int64: [5, 6]), to: url)
  let tensor = try NPYFile.read(contentsOf: url)
  try FileManager.default.removeItem(at: dir)
  #expect(try tensor.asInt64() == [5, 6])
}

// MARK: - Corrupted and hostile files

/// Every proper prefix of a valid file throws a TensorIOError (never traps).
@Test(arguments: ["v1_f4.npy", "v2_f4.npy", "v3_i4.npy", "be_f8.npy", "scalar_f8.npy"])
func npyTruncatedAtEveryByteThrows(name: String) throws {
  let url = Support.golden.appendingPathComponent(name)
  let bytes = try Data(contentsOf: url)
  for length in 0..<bytes.count {
    let problem = Support.problem { _ = try NPYFile.decode(bytes.prefix(length), name: name) }
    // The length field and shape promise more bytes than a prefix has, wherever it is cut.
    guard case .truncated(let at, let needed, _) = problem else {
      Issue.record("\(name) cut at \(length): \(String(describing: problem))")
      continue
    }
    #expect(at == length && needed > length, "\(name) cut at \(length)")
  }
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let cut = dir.appendingPathComponent(name)
  try bytes.prefix(bytes.count - 1).write(to: cut)
  let error = #expect(throws: TensorIOError.self) { try NPYFile.read(contentsOf: cut) }
  #expect(error?.file == name)
  #expect(error?.description.contains("truncated at byte \(bytes.count - 1)") == true)
}

@Test func npyWrongMagic() {
  let data = Data("PK\u{3}\u{4} this is a zip".utf8)
  #expect(Support.problem { _ = try NPYFile.decode(data, name: "x.npy") } == .wrongMagic)
  #expect(
    Support.problem {
      _ = try NPYFile.decode(Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0]), name: "x")
    } == .wrongMagic)
}

@Test func npyUnsupportedVersion() {
  var data = [UInt8](
    npy(header: "{'descr': '<i4', 'fortran_order': False, 'shape': (0,)}", data: []))
  data[6] = 4
  #expect(
    Support.problem { _ = try NPYFile.decode(Data(data), name: "x") }
      == .unsupportedVersion(major: 4, minor: 0))
  data[6] = 1
  data[7] = 1
  #expect(
    Support.problem { _ = try NPYFile.decode(Data(data), name: "x") }
      == .unsupportedVersion(major: 1, minor: 1))
}

@Test func npyAbsurdHeaderLength() {
  let data = Data([0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + Array("{".utf8))
  #expect(
    Support.problem { _ = try NPYFile.decode(data, name: "x") }
      == .absurdHeaderLength(length: 0xFFFF_FFFF, limit: NPYFile.maximumHeaderLength))
}

@Test func npyShapeOverflow() {
  for shape in ["(4294967296, 4294967296)", "(9223372036854775807, 2)", "(2305843009213693952,)"] {
    let data = npy(
      header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }", data: [])
    let problem = Support.problem { _ = try NPYFile.decode(data, name: "x") }
    guard case .shapeOverflow(nil, _) = problem else {
      Issue.record("\(shape): \(String(describing: problem))")
      continue
    }
  }
  let huge = npy(
    header: "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", data: []
  )
  guard case .badHeader(let detail) = Support.problem({ _ = try NPYFile.decode(huge, name: "x") })
  else {
    Issue.record("a dimension beyond Int must be a bad header")
    return
  }
  #expect(detail.contains("64-bit"))
}

@Test func npyFortranOrder() {
  let data = npy(
    header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
    data: .init(repeating: 0, count: 16))
  #expect(Support.problem { _ = try NPYFile.decode(data, name: "f.npy") } == .fortranOrder)
  let error = TensorIOError(file: "f.npy", problem: .fortranOrder)
  #expect(error.description.hasPrefix("f.npy: Fortran order"))
}

@Test(arguments: ["<c8", "<U4", "|O", "<f16", "|V4", "<u4"])
func npyUnknownDType(descr: String) {
  let data = npy(
    header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
  #expect(
    Support.problem { _ = try NPYFile.decode(data, name: "x") } == .unknownDType(descr, tensor: nil)
  )
}

@Test func npyTrailingBytesAreASizeMismatch() {
  let data = npy(
    header: "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", data: [1, 2, 3])
  #expect(
    Support.problem { _ = try NPYFile.decode(data, name: "x") }
      == .sizeMismatch(tensor: nil, expected: 2, actual: 3))
}

@Test(arguments: [
  "",
  "{",
  "{'descr': '<f4', 'fortran_order': False}",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
  "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
  "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1)}",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
  "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
  "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
  "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
  "{'descr': '<f4\\x', 'fortran_order': False, 'shape': (1,)}",
  "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}",
])
func npyBadHeaders(header: String) {
  let data = npy(header: header, data: [0, 0, 0, 0])
  guard case .badHeader(let detail) = Support.problem({ _ = try NPYFile.decode(data, name: "x") })
  else {
    Issue.record("\(header) must be a bad header")
    return
  }
  #expect(detail.contains("at header byte"))
  #expect(detail.contains("expected"))
}

@Test func npyReadMissingFileIsAnIOError() {
  let url = URL(fileURLWithPath: "/nonexistent/dir/x.npy")
  #expect(
    Support.problem { _ = try NPYFile.read(contentsOf: url) }
      == .io(operation: "open", errno: ENOENT))
}

@Test func npyEmptyFileIsTruncated() throws {
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("empty.npy")
  try Data().write(to: url)
  guard case .truncated(at: 0, _, _) = Support.problem({ _ = try NPYFile.read(contentsOf: url) })
  else {
    Issue.record("an empty file is truncated at byte 0")
    return
  }
}

/// Random byte flips in the header never trap: they either read or throw TensorIOError.
@Test(arguments: [1 as UInt64, 2, 3, 4])
func npyRandomHeaderCorruptionNeverTraps(seed: UInt64) throws {
  var rng = Support.SeededGenerator(state: seed)
  let original = [UInt8](try Data(contentsOf: Support.golden.appendingPathComponent("v1_f4.npy")))
  for _ in 0..<2000 {
    var bytes = original
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      bytes[Int.random(in: 0..<128, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
    }
    do {
      _ = try NPYFile.decode(Data(bytes), name: "fuzz.npy")
    } catch {
      #expect(error.file == "fuzz.npy")
    }
  }
}

/// A header that leaves the data at an odd offset (numpy never writes one) is read by copying
/// into aligned storage, so typed access stays valid.
@Test func npyMisalignedDataIsCopiedNotMapped() throws {
  let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
  #expect((10 + header.utf8.count) % 8 != 0)
  var data = [UInt8]()
  for value in [1.25, -3.5] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
  let dir = try Support.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let url = dir.appendingPathComponent("odd.npy")
  try npy(header: header, data: data).write(to: url)
  let tensor = try NPYFile.read(contentsOf: url)
  if case .owned = tensor.storage {} else { Issue.record("misaligned data must be copied") }
  #expect(try tensor.withUnsafeBufferPointer(of: Double.self) { Array($0) } == [1.25, -3.5])
}

@Test func npyVersion2And3HeadersDecode() throws {
  let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"
  let one: [UInt8] = [9, 0, 0, 0, 0, 0, 0, 0]
  #expect(try NPYFile.decode(npy(header: header, data: one, major: 2), name: "v2").asInt64() == [9])
  #expect(try NPYFile.decode(npy(header: header, data: one, major: 3), name: "v3").asInt64() == [9])
}
