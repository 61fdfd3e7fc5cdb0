import DetTestSupport
import Foundation

/// Minimal NPY (version 1.0) writing and int64 reading for end-to-end tests, written out
/// here so the CLI tests do not depend on the library they exercise.
enum NPYBytes {
  /// A C-order little-endian array file with dtype `descr` ("<f4", "<f8", "<i8", "<i4").
  static func file(descr: String, shape: [Int], bytes: Data) -> Data {
    let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
    let length = UInt16(header.utf8.count)
    data += Data([UInt8(length & 0xFF), UInt8(length >> 8)])
    return data + Data(header.utf8) + bytes
  }

  static func float32(_ values: [Float], rows: Int) -> Data {
    file(descr: "<f4", shape: [rows, 4], bytes: values.withUnsafeBytes { Data($0) })
  }

  static func float64(_ values: [Double], rows: Int) -> Data {
    file(descr: "<f8", shape: [rows, 4], bytes: values.withUnsafeBytes { Data($0) })
  }

  static func int64(_ values: [Int64]) -> Data {
    file(descr: "<i8", shape: [values.count], bytes: values.withUnsafeBytes { Data($0) })
  }

  /// The elements of a 1-D `<i8` NPY file.
  static func readInt64(_ data: Data) -> [Int64]? {
    guard data.count > 10, data.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else { return nil }
    let headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
    let header = String(
      decoding: data[(data.startIndex + 10)..<(data.startIndex + 10 + headerLength)], as: UTF8.self)
    guard header.contains("'<i8'") else { return nil }
    let body = data.suffix(from: data.startIndex + 10 + headerLength)
    return body.withUnsafeBytes { raw in
      (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) }
    }
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = TestTemporaryRoot.url.appendingPathComponent(
      "detkit-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
