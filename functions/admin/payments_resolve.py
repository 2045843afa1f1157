"""POST /api/admin/payments/{reference}/resolve: a flagged or completed payment refunded or
dismissed, once (audited; a refund leaves revenue on its own day, docs/refunds.md)."""
from chapchap.admin import refunds
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin import PaymentResolveIn

app = api(auth="admin")


@app.post("/api/admin/payments/<reference>/resolve",
          responses=doc("AdminPaymentData", errors={
              404: "PAYMENT_NOT_FOUND: no payment has this reference",
              409: ["ALREADY_RESOLVED: resolved already (a resolution is final)",
                    "PAYMENT_NOT_RESOLVABLE: neither flagged nor completed",
                    "PAYMENT_NOT_FLAGGED: dismissed, but there is no flag",
                    "CONCURRENT_UPDATE: the payment changed meanwhile; reload"],
              422: "VALIDATION_FAILED: `details` names each field (a missing or short reason, an unknown action, "
                   "a refund_reference with dismissed)"}))
def resolve(reference: str, body: PaymentResolveIn):
    admin = current_user(app)
    return ok({"payment": refunds.resolve(admin, reference, action=body.action, reason=body.reason,
                                          refund_reference=body.refund_reference)})


handler = entry(app)
