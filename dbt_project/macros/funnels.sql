{% macro funnel_step_label(order_mode, step_index, step_name) -%}
    case
        when {{ order_mode }} = 'any' then {{ step_index }} || ' of the steps, any order'
        else {{ step_name }}
    end
{%- endmacro %}
