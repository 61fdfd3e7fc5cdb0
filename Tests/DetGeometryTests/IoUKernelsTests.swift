import Foundation
import Testing

@testable import DetGeometry

/// `BoxColumns` holds every box's fields, area and (for CIoU) aspect at its index, for sets
/// transposed on one core and for sets large enough (65,536 boxes and more) to be split
/// across cores.
@Test(arguments: [1, 1000, 70_001])
func boxColumnsHoldEveryBoxsFields(count: Int) {
  var rng = SyntheticBoxes.SplitMix64(state: UInt64(count))
  let boxes = randomBoxes(count, using: &rng)
  for withAspect in [false, true] {
    let columns = BoxColumns(boxes, aspect: withAspect)
    #expect(columns.count == count)
    for i in 0..<count {
      let box = boxes[i]
      let fields = columns.fields(i)
      let pointerFields = columns.withPointers { $0.load(i, aspect: withAspect) }
      let expectedAspect = withAspect ? atanf((box.x2 - box.x1) / (box.y2 - box.y1)) : 0
      let ok =
        fields.x1 == box.x1 && fields.y1 == box.y1 && fields.x2 == box.x2
        && fields.y2 == box.y2 && fields.area == (box.x2 - box.x1) * (box.y2 - box.y1)
        && fields.aspect == expectedAspect
        && pointerFields.x1 == fields.x1 && pointerFields.y2 == fields.y2
        && pointerFields.area == fields.area && pointerFields.aspect == fields.aspect
      if !ok {
        Issue.record("aspect \(withAspect) box \(i): \(fields) vs \(box)")
        break
      }
    }
  }
}
