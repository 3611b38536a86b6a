"""``stuck_at_chance``: the model predicts one class, or guesses.

Five rules, any of which flags the run; each lives in its own module and returns
:class:`~analysis.detectors.chance.levels.Hit` s, which :func:`detect_chance` words as
one finding (the validation side leads).

A. *Frozen accuracy* (:mod:`.frozen`): an accuracy is constant within
   ``frozen_tol`` from its first evaluations (start within ``max_start``) over at
   least ``frozen_fraction`` of the run, below a perfect score, and the training
   accuracy is not clearly above it. A classifier whose decisions never change
   while the loss moves predicts the same class for every sample; the constant is
   that class's share of the data (the majority-class rate). When the class
   count/majority rate is known (``--data``) it is compared with it.
A'. *Frozen below chance* (:mod:`.frozen`): an accuracy frozen (as in A) at a
   value below chance — exactly 0 when K is unknown (below 1/K for every K), below
   ``1/K - tol`` when K is known — whatever the training accuracy does. No
   classifier is that bad at a task by learning; it is scored against labels that
   are not the classes it predicts (a handwriting model's val_acc was exactly 0.0
   in all 30 epochs while its train_acc reached 1.0).
B. *At chance* (:mod:`.at_chance`): an accuracy stays within
   ``max(acc_tol, acc_tol_rel/K)`` of 1/K for the whole run (never rising above
   it) while the loss of the same side is at ln K (the cross-entropy of a uniform
   guess: 0.6931 for two classes) or flat near it. K is the known class count, or
   inferred from the accuracy and checked against the loss.
C. *One-class F1 identity* (:mod:`.one_class_f1`): at an evaluation, a macro-F1
   ``F`` and accuracy ``a`` satisfy ``F = (2a / (1 + a)) / K`` for an integer
   ``K >= 2``: exactly the macro-F1 of always predicting one class that makes up
   ``a`` of the data (Hugging Face classifiers report both).
D. *Collapse partway* (:mod:`.collapse`): an accuracy frozen (range within
   ``frozen_tol``) from an evaluation after ``max_start`` to the end (at least
   ``min_points`` evaluations), or for ``collapse_share`` of the run, at a level
   that means "the same output for every sample": chance 1/K (K given, or inferred
   from the accuracy and confirmed by the same side's loss at ln K over the
   stretch, or with no loss logged), the known majority-class rate, or (majority
   rate not known) a value the training accuracy froze at too. Not when the
   training accuracy is perfect over the stretch: a model that classifies every
   training sample right does not give every sample one class (the demo retrained
   for 120 epochs ends with val_accuracy constant at 0.9841 from epoch 85 and
   accuracy 1.0). The message says where it started and what the accuracy had
   reached before ("collapsed to chance from epoch 7 on, after reaching 0.2241 at
   epoch 0", as digits trained with SGD(1.5, momentum=0.9) did: val_accuracy
   exactly 0.1 over epochs 7-39, val_loss 2.32 ≈ ln 10). Not when the loss went
   NaN first (the ``non_finite`` finding reports that collapse) or the training
   accuracy stays ``train_margin`` above. With the class count given and no
   accuracy logged for a side, its loss flat (``loss_flat``) at ln K to the end is
   the same finding.

Runs whose accuracy froze *after* learning at a level that is neither chance nor
one class's share (overfitting runs at 100 % train accuracy, validation accuracy
constant late in training) are not stuck: rule A needs the freeze from the start,
rule B the accuracy never above chance, rule D a chance-like level and no training
accuracy above it. Thresholds: :class:`~analysis.detectors.config.ChanceConfig`.
"""

from __future__ import annotations

from analysis.detectors.chance.stuck import detect_chance

__all__ = ["detect_chance"]
