"""finetune.py's hold on what the current classifier already knows (apart from train.py, so tests can import it)."""
import torch.nn.functional as F

DISTILL_T = 2.0


def distill_loss(student, teacher, mask, t=DISTILL_T):
    """Learning without forgetting: KL(teacher || student) of the temperature-softened outputs on the
    rows in mask (the replayed public crops), times t^2 so its gradient keeps the scale of the hard
    loss, divided by the whole batch like loss_fn. The export crops are left to the labels: there the
    current classifier is what is wrong."""
    if not mask.any():
        return student.new_zeros(())
    log_p = F.log_softmax(student[mask] / t, 1)
    q = F.softmax(teacher[mask] / t, 1)
    return F.kl_div(log_p, q, reduction="sum") * t * t / len(student)
