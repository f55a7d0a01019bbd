import{cy as i}from"./index-UeD-OQLC.js";const n=o=>["",...i].includes(o);export{n as i};
