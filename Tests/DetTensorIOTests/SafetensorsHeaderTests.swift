import Testing

@testable import DetTensorIO

private func parse(_ header: String, dataLength: Int = 0) throws(TensorIOError) -> SafetensorsHeader
{
  let bytes = Array(header.utf8)
  return try bytes.withUnsafeBytes { raw in
    Result { () throws(TensorIOError) in
      try SafetensorsHeader.parse(raw, dataLength: dataLength, file: "h")
    }
  }.get()
}

@Test func headerStringEscapesDecode() throws {
  let header = try parse(#"{"__metadata__":{"k\u00e9\ud83d\ude00\n\/\\\"\t":"v\u0001"}}"#)
  #expect(header.metadata == ["ké😀\n/\\\"\t": "v\u{1}"])
}

@Test func headerAcceptsJSONWhitespace() throws {
  let header = try parse(
    "{\n  \"x\" : {\"dtype\" : \"U8\",\n \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 2 ] }\r\n}\t ",
    dataLength: 2)
  #expect(header.entries.map(\.name) == ["x"])
  #expect(header.entries.first?.shape == [2])
}

@Test(arguments: [
  (#"{"x":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}"#, "leading zero"),
  (#"{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, "non-negative integer"),
  (#"{"x":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}"#, "no fraction"),
  (#"{"x":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}"#, "no fraction"),
  (#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}"#, "exactly two"),
  (#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}"#, "only the keys"),
  (#"{"x":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, "only the keys"),
  (#"{"x":{"dtype":"U8","shape":[1]}}"#, "data_offsets"),
  (#"{"x":{"dtype":8,"shape":[1],"data_offsets":[0,1]}}"#, "dtype name"),
  (#"{"__metadata__":{"k":1}}"#, "string value"),
  (#"{"__metadata__":{"k":"a","k":"b"}}"#, "duplicate metadata"),
  (#"{"__metadata__":{"k":"\ud800"}}"#, "low surrogate"),
  (#"{"__metadata__":{"k":"\x"}}"#, "escapes"),
  ("{\"__metadata__\":{\"k\":\"a\u{1}\"}}", "control"),
  (#"{"__metadata__":{"k":"v"},}"#, "string key"),
  (#"{"x":{"dtype":"U8","shape":[1,],"data_offsets":[0,1]}}"#, "non-negative integer"),
  (#"{"x":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,1]}}"#, "below 2^63"),
])
func headerRejects(header: String, expectation: String) {
  guard case .badHeader(let detail) = Support.problem({ _ = try parse(header, dataLength: 1) })
  else {
    Issue.record("\(header) must be a bad header")
    return
  }
  #expect(detail.contains(expectation), "\(detail)")
  #expect(detail.contains("at header byte"))
}

@Test func headerErrorsNameTheJSONPath() {
  guard
    case .badHeader(let detail) = Support.problem({
      _ = try parse(#"{"w":{"dtype":"U8","shape":[1,x],"data_offsets":[0,1]}}"#, dataLength: 1)
    })
  else {
    Issue.record("must be a bad header")
    return
  }
  #expect(detail.contains(#"$["w"]["shape"]"#), "\(detail)")
  #expect(detail.contains("header byte 30"), "\(detail)")
}

@Test func serializeMatchesTheReferenceWritersTestVectors() {
  // safetensors' own tests (tensor.rs `test_serialization`, `..._forced_alignement`,
  // `test_empty`): 64 bytes need no padding, 65 get 7 spaces, metadata alone 5.
  let exact = SafetensorsHeader.serialize(
    [(name: "attn.0", dtype: .float32, shape: [1, 2, 3], begin: 0, end: 24)], metadata: [:])
  #expect(
    String(decoding: exact, as: UTF8.self)
      == #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#)
  let padded = SafetensorsHeader.serialize(
    [(name: "attn0", dtype: .float32, shape: [1, 1, 2, 3], begin: 0, end: 24)], metadata: [:])
  #expect(
    String(decoding: padded, as: UTF8.self)
      == #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       "#)
  let metadata = SafetensorsHeader.serialize([], metadata: ["framework": "pt"])
  #expect(String(decoding: metadata, as: UTF8.self) == #"{"__metadata__":{"framework":"pt"}}     "#)
}
