"""MLGraphBuilder methods of the recurrent family: gru, gruCell, lstm and
lstmCell."""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["RecurrentOps"]


class RecurrentOps(BuilderBase):
    """Operator methods of the recurrent family."""

    # Spec: sequence<MLOperand> gru(MLOperand input, MLOperand weight, MLOperand recurrentWeight, [EnforceRange] unsigned long steps, [EnforceRange] unsigned long hiddenSize, optional MLGruOptions options = {}) #api-mlgraphbuilder-gru
    def gru(
        self,
        input: MLOperand,
        weight: MLOperand,
        recurrent_weight: MLOperand,
        steps: int,
        hidden_size: int,
        *,
        bias: MLOperand | None = None,
        recurrent_bias: MLOperand | None = None,
        initial_hidden_state: MLOperand | None = None,
        reset_after: bool = True,
        return_sequence: bool = False,
        direction: str = "forward",
        layout: str = "zrn",
        activations: Sequence[str] | None = None,
        label: str = "",
    ) -> list[MLOperand]:
        """Gated Recurrent Unit network: runs a GRU cell over ``steps`` time
        steps, in one or both directions.

        Args:
            input: 3-D ``[steps, batch_size, input_size]``.
            weight: 3-D ``[num_directions, 3 * hidden_size, input_size]``, gate
                blocks ordered by ``layout``.
            recurrent_weight: 3-D ``[num_directions, 3 * hidden_size,
                hidden_size]``, gate blocks ordered by ``layout``.
            steps: the number of time steps; must equal ``input.shape[0]``
                (and be greater than 0).
            hidden_size: the number of features of the hidden state.
            bias, recurrent_bias: options of MLGruOptions: 2-D
                ``[num_directions, 3 * hidden_size]``; zeros when absent.
            initial_hidden_state: 3-D ``[num_directions, batch_size,
                hidden_size]``; zeros when absent.
            reset_after: apply the reset gate after (True) or before the
                recurrent matrix multiplication of the new gate.
            return_sequence: also return every step's hidden state.
            direction: "forward", "backward" or "both" (then num_directions
                is 2).
            layout: gate order, "zrn" (update, reset, new) or "rzn".
            activations: 2 MLRecurrentNetworkActivation names: for the
                update/reset gates and for the new gate; default
                ``["sigmoid", "tanh"]``.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            ``[hidden]``: ``[num_directions, batch_size, hidden_size]``, the
            last step's hidden state, plus ``[steps, num_directions,
            batch_size, hidden_size]``, every step's hidden state, when
            ``return_sequence``.
        """
        return self._op(
            "gru",
            {"input": input, "weight": weight, "recurrentWeight": recurrent_weight,
             "bias": bias, "recurrentBias": recurrent_bias,
             "initialHiddenState": initial_hidden_state},
            {"steps": steps, "hiddenSize": hidden_size, "resetAfter": reset_after,
             "returnSequence": return_sequence, "direction": direction,
             "layout": layout, "activations": activations},
            label)

    # Spec: MLOperand gruCell(MLOperand input, MLOperand weight, MLOperand recurrentWeight, MLOperand hiddenState, [EnforceRange] unsigned long hiddenSize, optional MLGruCellOptions options = {}) #api-mlgraphbuilder-grucell
    def gru_cell(
        self,
        input: MLOperand,
        weight: MLOperand,
        recurrent_weight: MLOperand,
        hidden_state: MLOperand,
        hidden_size: int,
        *,
        bias: MLOperand | None = None,
        recurrent_bias: MLOperand | None = None,
        reset_after: bool = True,
        layout: str = "zrn",
        activations: Sequence[str] | None = None,
        label: str = "",
    ) -> MLOperand:
        """One time step of a Gated Recurrent Unit: the next hidden state.

        Args:
            input: 2-D ``[batch_size, input_size]``.
            weight: 2-D ``[3 * hidden_size, input_size]``, gate blocks ordered
                by ``layout``.
            recurrent_weight: 2-D ``[3 * hidden_size, hidden_size]``, gate
                blocks ordered by ``layout``.
            hidden_state: 2-D ``[batch_size, hidden_size]``.
            hidden_size: the number of features of the hidden state.
            bias, recurrent_bias: options of MLGruCellOptions: 1-D
                ``[3 * hidden_size]``; zeros when absent.
            reset_after: apply the reset gate after (True) or before the
                recurrent matrix multiplication of the new gate.
            layout: gate order, "zrn" (update, reset, new) or "rzn".
            activations: 2 MLRecurrentNetworkActivation names: for the
                update/reset gates and for the new gate; default
                ``["sigmoid", "tanh"]``.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The new hidden state, ``[batch_size, hidden_size]``.
        """
        return self._op(
            "gruCell",
            {"input": input, "weight": weight, "recurrentWeight": recurrent_weight,
             "hiddenState": hidden_state, "bias": bias,
             "recurrentBias": recurrent_bias},
            {"hiddenSize": hidden_size, "resetAfter": reset_after,
             "layout": layout, "activations": activations},
            label)

    # Spec: sequence<MLOperand> lstm(MLOperand input, MLOperand weight, MLOperand recurrentWeight, [EnforceRange] unsigned long steps, [EnforceRange] unsigned long hiddenSize, optional MLLstmOptions options = {}) #api-mlgraphbuilder-lstm
    def lstm(
        self,
        input: MLOperand,
        weight: MLOperand,
        recurrent_weight: MLOperand,
        steps: int,
        hidden_size: int,
        *,
        bias: MLOperand | None = None,
        recurrent_bias: MLOperand | None = None,
        peephole_weight: MLOperand | None = None,
        initial_hidden_state: MLOperand | None = None,
        initial_cell_state: MLOperand | None = None,
        return_sequence: bool = False,
        direction: str = "forward",
        layout: str = "iofg",
        activations: Sequence[str] | None = None,
        label: str = "",
    ) -> list[MLOperand]:
        """Long Short-Term Memory network: runs an LSTM cell over ``steps``
        time steps, in one or both directions.

        Args:
            input: 3-D ``[steps, batch_size, input_size]``.
            weight: 3-D ``[num_directions, 4 * hidden_size, input_size]``, gate
                blocks ordered by ``layout``.
            recurrent_weight: 3-D ``[num_directions, 4 * hidden_size,
                hidden_size]``, gate blocks ordered by ``layout``.
            steps: the number of time steps; must be greater than 0 and equal
                ``input.shape[0]``.
            hidden_size: the number of features of the hidden state.
            bias, recurrent_bias: options of MLLstmOptions: 2-D
                ``[num_directions, 4 * hidden_size]``; zeros when absent.
            peephole_weight: 2-D ``[num_directions, 3 * hidden_size]``, packed
                for the input, output and forget gates (in that order, whatever
                the layout); no peepholes when absent.
            initial_hidden_state, initial_cell_state: 3-D ``[num_directions,
                batch_size, hidden_size]``; zeros when absent.
            return_sequence: also return every step's hidden state.
            direction: "forward", "backward" or "both" (then num_directions
                is 2).
            layout: gate order, "iofg" (input, output, forget, cell) or
                "ifgo".
            activations: 3 MLRecurrentNetworkActivation names: for the
                input/forget/output gates, for the cell gate, and for the cell
                state's filter in the hidden state; default
                ``["sigmoid", "tanh", "tanh"]``.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            ``[hidden, cell]``, each ``[num_directions, batch_size,
            hidden_size]`` from the last step, plus ``[steps, num_directions,
            batch_size, hidden_size]``, every step's hidden state, when
            ``return_sequence``.
        """
        return self._op(
            "lstm",
            {"input": input, "weight": weight, "recurrentWeight": recurrent_weight,
             "bias": bias, "recurrentBias": recurrent_bias,
             "peepholeWeight": peephole_weight,
             "initialHiddenState": initial_hidden_state,
             "initialCellState": initial_cell_state},
            {"steps": steps, "hiddenSize": hidden_size,
             "returnSequence": return_sequence, "direction": direction,
             "layout": layout, "activations": activations},
            label)

    # Spec: sequence<MLOperand> lstmCell(MLOperand input, MLOperand weight, MLOperand recurrentWeight, MLOperand hiddenState, MLOperand cellState, [EnforceRange] unsigned long hiddenSize, optional MLLstmCellOptions options = {}) #api-mlgraphbuilder-lstmcell
    def lstm_cell(
        self,
        input: MLOperand,
        weight: MLOperand,
        recurrent_weight: MLOperand,
        hidden_state: MLOperand,
        cell_state: MLOperand,
        hidden_size: int,
        *,
        bias: MLOperand | None = None,
        recurrent_bias: MLOperand | None = None,
        peephole_weight: MLOperand | None = None,
        layout: str = "iofg",
        activations: Sequence[str] | None = None,
        label: str = "",
    ) -> list[MLOperand]:
        """One time step of a Long Short-Term Memory cell: the next hidden and
        cell states.

        Args:
            input: 2-D ``[batch_size, input_size]``.
            weight: 2-D ``[4 * hidden_size, input_size]``, gate blocks ordered
                by ``layout``.
            recurrent_weight: 2-D ``[4 * hidden_size, hidden_size]``, gate
                blocks ordered by ``layout``.
            hidden_state, cell_state: 2-D ``[batch_size, hidden_size]``.
            hidden_size: the number of features of the hidden state.
            bias, recurrent_bias: options of MLLstmCellOptions: 1-D
                ``[4 * hidden_size]``; zeros when absent.
            peephole_weight: 1-D ``[3 * hidden_size]``, packed for the input,
                output and forget gates (in that order, whatever the layout);
                no peepholes when absent.
            layout: gate order, "iofg" (input, output, forget, cell) or
                "ifgo".
            activations: 3 MLRecurrentNetworkActivation names: for the
                input/forget/output gates, for the cell gate, and for the cell
                state's filter in the hidden state; default
                ``["sigmoid", "tanh", "tanh"]``.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            ``[hidden, cell]``, each ``[batch_size, hidden_size]``.
        """
        return self._op(
            "lstmCell",
            {"input": input, "weight": weight, "recurrentWeight": recurrent_weight,
             "hiddenState": hidden_state, "cellState": cell_state, "bias": bias,
             "recurrentBias": recurrent_bias, "peepholeWeight": peephole_weight},
            {"hiddenSize": hidden_size, "layout": layout,
             "activations": activations},
            label)
